package io.tandem.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks watch deliveries against the writes that were made. A watcher subscribes from revision
 * 1 and re-subscribes from (last seen + 1) now and then ("reconnects"). Violations found, per
 * watcher:
 * <ol>
 *   <li><b>order</b>: revisions not strictly increasing in delivery order (reordering, duplicates);
 *   <li><b>phantom</b>: an event whose key and value no writer wrote, or an acknowledged write seen
 *       at a revision other than the one its writer was told;
 *   <li><b>gap</b>: an acknowledged write whose revision the watcher passed without delivering it;
 *   <li><b>stalled</b>: the watcher ended before reaching the last acknowledged write's revision.
 * </ol>
 */
final class WatchChecker {

    /** A write of {@code key = value}; {@code revision} is its modRevision when {@code acknowledged}. */
    record Write(int client, String key, String value, boolean acknowledged, long revision) {
    }

    /** An event delivered to {@code watcher}, in delivery order. */
    record Event(int watcher, long revision, String key, String value) {
    }

    private WatchChecker() {
    }

    static Workload.Verdict check(List<Write> writes, List<Event> events, Map<Integer, Long> finalRevisionSeen) {
        List<String> violations = new ArrayList<>();
        Map<String, Write> byKeyValue = new HashMap<>();
        TreeMap<Long, Write> acknowledged = new TreeMap<>();
        for (Write w : writes) {
            byKeyValue.put(w.key() + "=" + w.value(), w);
            if (w.acknowledged()) {
                Write other = acknowledged.put(w.revision(), w);
                if (other != null) {
                    violations.add("two acknowledged writes at revision " + w.revision() + ": " + other + ", " + w);
                }
            }
        }
        Map<Integer, List<Event>> byWatcher = new LinkedHashMap<>();
        events.forEach(e -> byWatcher.computeIfAbsent(e.watcher(), c -> new ArrayList<>()).add(e));
        finalRevisionSeen.keySet().forEach(w -> byWatcher.computeIfAbsent(w, c -> new ArrayList<>()));
        for (Map.Entry<Integer, List<Event>> entry : byWatcher.entrySet()) {
            int watcher = entry.getKey();
            long last = 0;
            for (Event e : entry.getValue()) {
                if (e.revision() <= last) {
                    violations.add("order: watcher " + watcher + " got revision " + e.revision() + " after " + last
                            + ": " + e);
                    continue;
                }
                Write w = byKeyValue.get(e.key() + "=" + e.value());
                if (w == null) {
                    violations.add("phantom: watcher " + watcher + " got " + e + ", which no client wrote");
                } else if (w.acknowledged() && w.revision() != e.revision()) {
                    violations.add("phantom: watcher " + watcher + " got " + e + " but the write was acknowledged"
                            + " at revision " + w.revision());
                }
                for (Write missed : acknowledged.subMap(last, false, e.revision(), false).values()) {
                    violations.add("gap: watcher " + watcher + " went from revision " + last + " to " + e.revision()
                            + " and missed " + missed);
                }
                last = e.revision();
            }
            long highest = acknowledged.isEmpty() ? 0 : acknowledged.lastKey();
            if (last < highest) {
                int missing = acknowledged.tailMap(last, false).size();
                violations.add("stalled: watcher " + watcher + " ended at revision " + last + " but " + missing
                        + " acknowledged write(s) up to revision " + highest + " never arrived");
            }
        }
        long ack = writes.stream().filter(Write::acknowledged).count();
        String scope = writes.size() + " writes (" + ack + " acknowledged), " + events.size() + " events to "
                + byWatcher.size() + " watchers";
        return FencedLockChecker.verdict("WATCH", scope, writes.size() + events.size(), violations);
    }
}
