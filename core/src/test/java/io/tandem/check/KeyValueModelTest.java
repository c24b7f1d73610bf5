package io.tandem.check;

import static io.tandem.check.KeyValueModel.cas;
import static io.tandem.check.KeyValueModel.delete;
import static io.tandem.check.KeyValueModel.get;
import static io.tandem.check.KeyValueModel.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.check.KeyValueModel.Input;
import io.tandem.check.KeyValueModel.Output;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Hand-written key/value histories, checked per key. */
class KeyValueModelTest {

    private static final KeyValueModel<String, Integer> MODEL = new KeyValueModel<>();

    @Test
    @DisplayName("gets of a missing or deleted key return absent")
    void absentKeys() {
        assertVerdict(Result.Verdict.OK, History.of(
                ok(1, 0, 1, get("a"), Output.absent()),
                ok(1, 2, 3, put("a", 1), Output.ok()),
                ok(2, 4, 5, get("a"), Output.value(1)),
                ok(2, 6, 7, delete("a"), Output.ok()),
                ok(1, 8, 9, get("a"), Output.absent())));
    }

    @Test
    @DisplayName("a get after a completed delete that still sees the value fails")
    void readAfterDeleteFails() {
        assertVerdict(Result.Verdict.ILLEGAL, History.of(
                ok(1, 0, 1, put("a", 1), Output.ok()),
                ok(2, 2, 3, delete("a"), Output.ok()),
                ok(1, 4, 5, get("a"), Output.value(1))));
    }

    @Test
    @DisplayName("CAS from absent is put-if-absent: only one of two concurrent creators wins")
    void putIfAbsent() {
        assertVerdict(Result.Verdict.OK, History.of(
                ok(1, 0, 10, cas("a", null, 1), Output.cas(false)),
                ok(2, 0, 10, cas("a", null, 2), Output.cas(true)),
                ok(3, 20, 30, get("a"), Output.value(2))));
        assertVerdict(Result.Verdict.ILLEGAL, History.of(
                ok(1, 0, 10, cas("a", null, 1), Output.cas(true)),
                ok(2, 0, 10, cas("a", null, 2), Output.cas(true))));
    }

    @Test
    @DisplayName("operations on different keys do not constrain each other")
    void keysAreIndependent() {
        // Linearizable per key; on a single register the crossed reads would be impossible.
        assertVerdict(Result.Verdict.OK, History.of(
                ok(1, 0, 10, put("a", 1), Output.ok()),
                ok(2, 0, 10, put("b", 2), Output.ok()),
                ok(1, 20, 30, get("b"), Output.value(2)),
                ok(2, 20, 30, get("a"), Output.value(1))));
    }

    @Test
    @DisplayName("a stale read on one key is reported under that key, with prefix and culprits")
    void staleReadReportNamesKey() {
        Operation<Input<String, Integer>, Output<Integer>> stale = ok(3, 40, 50, get("b"), Output.value(1));
        Result result = assertVerdict(Result.Verdict.ILLEGAL, History.of(
                ok(1, 0, 10, put("a", 1), Output.ok()),
                ok(1, 0, 10, put("b", 1), Output.ok()),
                ok(2, 20, 30, put("b", 2), Output.ok()),
                ok(1, 40, 50, get("a"), Output.value(1)),
                stale));
        Counterexample counterexample = result.counterexamples().get(0);
        assertEquals("b", counterexample.partition());
        assertEquals(List.of(stale), counterexample.culprits());
        assertEquals(2, counterexample.linearizedPrefix().size(), result::report);
        String report = result.report();
        assertTrue(report.contains("partition b: NOT linearizable"), report);
        assertTrue(report.contains("#2 client 2 [20..30] put(b, 2) -> ok"), report);
        assertTrue(report.contains("state after the prefix: 2"), report);
        assertTrue(report.contains("#4 client 3 [40..50] get(b) -> 1\n      illegal in that state"), report);
        assertTrue(report.contains("#4 had to take effect before it responded at 50"), report);
    }

    @Test
    @DisplayName("violations on several keys give one counterexample each, in first-appearance order")
    void severalViolations() {
        Result result = assertVerdict(Result.Verdict.ILLEGAL, History.of(
                ok(1, 0, 1, get("z"), Output.value(9)),
                ok(1, 2, 3, get("y"), Output.value(8)),
                ok(1, 4, 5, get("x"), Output.absent())));
        assertEquals(List.of("z", "y"),
                result.counterexamples().stream().map(Counterexample::partition).toList());
    }

    private static Operation<Input<String, Integer>, Output<Integer>> ok(
            int client, long invoke, long response, Input<String, Integer> input, Output<Integer> output) {
        return Operation.ok(client, invoke, response, input, output);
    }

    private static Result assertVerdict(Result.Verdict expected,
                                        History<Input<String, Integer>, Output<Integer>> history) {
        Result result = LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(5));
        assertEquals(expected, result.verdict(), () -> result.report() + "\n" + history);
        return result;
    }
}
