package io.tandem.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operations of one partition key, as indices into the whole history so reports can use the
 * history's numbering.
 *
 * @param key     the model's partition key
 * @param history the whole history
 * @param indices the indices of this partition's operations, ascending
 */
record Partition<I, O>(Object key, History<I, O> history, List<Integer> indices) {

    /** Splits by {@link Model#partitionKey}, ordered by each key's first operation in the history. */
    static <S, I, O> List<Partition<I, O>> split(Model<S, I, O> model, History<I, O> history) {
        // LinkedHashMap: partitions are checked and reported in first-appearance order, so the
        // report is the same on every run.
        Map<Object, List<Integer>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < history.size(); i++) {
            Object key = model.partitionKey(history.get(i).input());
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        List<Partition<I, O>> partitions = new ArrayList<>();
        byKey.forEach((key, indices) -> partitions.add(new Partition<>(key, history, indices)));
        return partitions;
    }

    String label() {
        return String.valueOf(key);
    }

    Operation<I, O> operation(int historyIndex) {
        return history.get(historyIndex);
    }

    /** {@code 12 operations: 9 ok, 2 unknown, 1 failed}. */
    String census() {
        int ok = 0;
        int info = 0;
        int fail = 0;
        for (int index : indices) {
            switch (history.get(index).status()) {
                case OK: ok++; break;
                case INFO: info++; break;
                default: fail++; break;
            }
        }
        return indices.size() + " operations: " + ok + " ok, " + info + " unknown, " + fail
                + " failed";
    }
}
