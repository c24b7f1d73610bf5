package io.tandem.check;

import static io.tandem.check.RegisterModel.read;
import static io.tandem.check.RegisterModel.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.check.RegisterModel.Input;
import io.tandem.check.RegisterModel.Output;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The checker gives up with UNKNOWN instead of hanging. */
class BudgetTest {

    @Test
    @DisplayName("a hard history under a tiny step budget is UNKNOWN, deterministically")
    void stepBudgetGivesUnknown() {
        History<Input<Integer>, Output<Integer>> history = manyConcurrentWritesThenImpossibleRead(14);
        Result first = LinearizabilityChecker.check(new RegisterModel<>(0), history, Budget.steps(500));
        Result second = LinearizabilityChecker.check(new RegisterModel<>(0), history, Budget.steps(500));
        assertEquals(Result.Verdict.UNKNOWN, first.verdict(), first::report);
        assertEquals(500, first.steps());
        assertEquals(first.report(), second.report());
        assertTrue(first.report().startsWith("UNKNOWN: 1 partition(s) undecided"), first::report);
    }

    @Test
    @DisplayName("a zero timeout gives UNKNOWN once the search needs more than a few steps")
    void zeroTimeoutGivesUnknown() {
        History<Input<Integer>, Output<Integer>> history = manyConcurrentWritesThenImpossibleRead(14);
        Result result = LinearizabilityChecker.check(new RegisterModel<>(0), history, Duration.ZERO);
        assertEquals(Result.Verdict.UNKNOWN, result.verdict(), result::report);
    }

    @Test
    @DisplayName("with enough budget the same history is decided ILLEGAL")
    void enoughBudgetDecides() {
        History<Input<Integer>, Output<Integer>> history = manyConcurrentWritesThenImpossibleRead(14);
        Result result = LinearizabilityChecker.check(new RegisterModel<>(0), history,
                Budget.steps(10_000_000));
        assertEquals(Result.Verdict.ILLEGAL, result.verdict(), result::report);
    }

    @Test
    @DisplayName("partitions after the budget ran out are reported as not checked")
    void laterPartitionsNotChecked() {
        List<Operation<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>>> ops =
                new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ops.add(Operation.ok(i, 0, 10, KeyValueModel.put("a", i), KeyValueModel.Output.ok()));
        }
        ops.add(Operation.ok(99, 20, 30, KeyValueModel.get("a"), KeyValueModel.Output.value(-1)));
        ops.add(Operation.ok(1, 0, 1, KeyValueModel.get("b"), KeyValueModel.Output.absent()));
        Result result = LinearizabilityChecker.check(new KeyValueModel<>(), History.of(ops),
                Budget.steps(100));
        assertEquals(Result.Verdict.UNKNOWN, result.verdict());
        assertTrue(result.report().contains("partition b: UNKNOWN, not checked"), result::report);
    }

    @Test
    @DisplayName("invalid budgets are rejected")
    void invalidBudgets() {
        assertThrows(IllegalArgumentException.class, () -> Budget.steps(0));
        assertThrows(IllegalArgumentException.class, () -> Budget.timeout(Duration.ofSeconds(-1)));
    }

    /**
     * n mutually concurrent writes, then a read of a value none wrote: proving it illegal means
     * visiting every subset of the writes, 2^n memoized configurations.
     */
    private static History<Input<Integer>, Output<Integer>> manyConcurrentWritesThenImpossibleRead(int n) {
        List<Operation<Input<Integer>, Output<Integer>>> ops = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ops.add(Operation.ok(i, 0, 100, write(i), Output.ok()));
        }
        ops.add(Operation.ok(0, 200, 300, read(), Output.value(-1)));
        return History.of(ops);
    }
}
