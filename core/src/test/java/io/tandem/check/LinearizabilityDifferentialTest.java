package io.tandem.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The checker against the literal definition ({@link BruteForceChecker}) on random tiny histories
 * with random outputs, so both verdicts are common. Any disagreement is a soundness bug (checker
 * says OK, definition says no) or a completeness bug (the reverse), e.g. in the memo's INFO subset
 * dominance, the twin rule, the unread-value placeholder, or the candidate order.
 *
 * <p>Written values come from a wider range than reads return, so many INFO writes write values
 * nobody reads and the placeholder rewrite is exercised. The brute force always uses the original
 * inputs.
 */
class LinearizabilityDifferentialTest {

    private static final int SEEDS = Integer.getInteger("tandem.seeds", 500) * 4;

    @Test
    @DisplayName("register: verdicts agree with brute force on random tiny histories")
    void register() {
        agree(new RegisterModel<>(0), LinearizabilityDifferentialTest::registerOperation);
    }

    @Test
    @DisplayName("key/value: verdicts agree with brute force on random tiny histories")
    void keyValue() {
        agree(new KeyValueModel<>(), LinearizabilityDifferentialTest::keyValueOperation);
    }

    @Test
    @DisplayName("versioned records: verdicts agree with brute force on random tiny histories")
    void versionedRecords() {
        agree(new VersionedRecordModel<>(), LinearizabilityDifferentialTest::recordOperation);
        agree(new VersionedRecordModel<>(VersionedRecordModel.VersionsAfterDelete.CONTINUE),
                LinearizabilityDifferentialTest::recordOperation);
    }

    private static <S, I, O> void agree(Model<S, I, O> model,
                                        Function<SplittableRandom, Generated<I, O>> generator) {
        int legal = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            List<Operation<I, O>> ops = randomHistory(new SplittableRandom(seed), generator);
            boolean expected = BruteForceChecker.isLinearizable(model, ops);
            Result result = LinearizabilityChecker.check(model, History.of(ops), Budget.steps(1_000_000));
            long s = seed;
            assertEquals(expected ? Result.Verdict.OK : Result.Verdict.ILLEGAL, result.verdict(),
                    () -> "seed=" + s + " brute force says linearizable=" + expected + "\n"
                            + result.report() + "\n" + History.of(ops));
            legal += expected ? 1 : 0;
        }
        int ok = legal;
        // Both verdicts must be well represented, or the comparison proves little.
        assertTrue(ok > SEEDS / 10 && ok < SEEDS * 9 / 10, () -> ok + " of " + SEEDS + " legal");
    }

    /** An input and a random (not necessarily legal) output for it. */
    private record Generated<I, O>(I input, O output) {
    }

    private static <I, O> List<Operation<I, O>> randomHistory(
            SplittableRandom random, Function<SplittableRandom, Generated<I, O>> generator) {
        int size = 2 + random.nextInt(7);
        List<Operation<I, O>> ops = new ArrayList<>();
        for (int client = 0; client < size; client++) {
            long invoke = random.nextInt(25);
            long response = invoke + random.nextInt(12);
            Generated<I, O> generated = generator.apply(random);
            int status = random.nextInt(10);
            if (status == 0) {
                ops.add(Operation.fail(client, invoke, response, generated.input()));
            } else if (status <= 3) {
                ops.add(Operation.info(client, invoke, generated.input()));
            } else {
                ops.add(Operation.ok(client, invoke, response, generated.input(), generated.output()));
            }
        }
        return ops;
    }

    private static Generated<RegisterModel.Input<Integer>, RegisterModel.Output<Integer>> registerOperation(
            SplittableRandom random) {
        int roll = random.nextInt(10);
        if (roll < 4) {
            return new Generated<>(RegisterModel.read(), RegisterModel.Output.value(random.nextInt(3)));
        }
        if (roll < 8) {
            return new Generated<>(RegisterModel.write(random.nextInt(6)), RegisterModel.Output.ok());
        }
        return new Generated<>(RegisterModel.cas(random.nextInt(4), random.nextInt(6)),
                RegisterModel.Output.cas(random.nextBoolean()));
    }

    private static Generated<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>> keyValueOperation(
            SplittableRandom random) {
        int roll = random.nextInt(10);
        if (roll < 4) {
            Integer value = random.nextInt(4) == 0 ? null : (Integer) random.nextInt(3);
            return new Generated<>(KeyValueModel.get("k"), KeyValueModel.Output.value(value));
        }
        if (roll < 7) {
            return new Generated<>(KeyValueModel.put("k", random.nextInt(6)), KeyValueModel.Output.ok());
        }
        if (roll < 8) {
            return new Generated<>(KeyValueModel.delete("k"), KeyValueModel.Output.ok());
        }
        Integer expected = random.nextInt(4) == 0 ? null : (Integer) random.nextInt(4);
        return new Generated<>(KeyValueModel.cas("k", expected, random.nextInt(6)),
                KeyValueModel.Output.cas(random.nextBoolean()));
    }

    private static Generated<VersionedRecordModel.Input<String, Integer>, VersionedRecordModel.Output<Integer>>
            recordOperation(SplittableRandom random) {
        int roll = random.nextInt(10);
        if (roll < 4) {
            return new Generated<>(VersionedRecordModel.read("k"), random.nextInt(4) == 0
                    ? VersionedRecordModel.Output.absent()
                    : VersionedRecordModel.Output.record(random.nextInt(3), 1 + random.nextInt(3)));
        }
        if (roll < 6) {
            return new Generated<>(VersionedRecordModel.write("k", random.nextInt(6)),
                    VersionedRecordModel.Output.written(1 + random.nextInt(3)));
        }
        if (roll < 8) {
            return new Generated<>(
                    VersionedRecordModel.writeIfVersion("k", random.nextInt(6), random.nextInt(3)),
                    random.nextBoolean() ? VersionedRecordModel.Output.conflict()
                            : VersionedRecordModel.Output.written(1 + random.nextInt(3)));
        }
        return new Generated<>(VersionedRecordModel.delete("k"), random.nextBoolean()
                ? VersionedRecordModel.Output.ok()
                : VersionedRecordModel.Output.deleted(random.nextBoolean()));
    }
}
