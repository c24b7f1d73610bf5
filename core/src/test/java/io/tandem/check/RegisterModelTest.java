package io.tandem.check;

import static io.tandem.check.RegisterModel.cas;
import static io.tandem.check.RegisterModel.read;
import static io.tandem.check.RegisterModel.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.check.RegisterModel.Input;
import io.tandem.check.RegisterModel.Output;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Hand-written register histories: linearizable ones pass, known anomalies fail. */
class RegisterModelTest {

    private static final RegisterModel<Integer> MODEL = new RegisterModel<>(0);

    @Test
    @DisplayName("an empty history, or one with only failed and unknown operations, passes")
    void emptyHistories() {
        assertOk(History.of(List.of()));
        assertOk(History.of(
                Operation.fail(1, 0, 10, write(1)),
                Operation.info(2, 0, write(2)),
                Operation.info(3, 5, read())));
    }

    @Test
    @DisplayName("sequential write then read of the written value passes")
    void sequentialWriteThenRead() {
        assertOk(History.of(
                ok(1, 0, 10, write(1), Output.ok()),
                ok(2, 20, 30, read(), Output.value(1))));
    }

    @Test
    @DisplayName("overlapping writes may take effect in either order")
    void overlappingWritesEitherOrder() {
        for (int last : new int[] {1, 2}) {
            assertOk(History.of(
                    ok(1, 0, 10, write(1), Output.ok()),
                    ok(2, 5, 15, write(2), Output.ok()),
                    ok(3, 20, 30, read(), Output.value(last)),
                    ok(1, 40, 50, read(), Output.value(last))));
        }
    }

    @Test
    @DisplayName("a read overlapping a write may see the old or the new value")
    void readOverlappingWriteSeesEither() {
        for (int seen : new int[] {0, 1}) {
            assertOk(History.of(
                    ok(1, 0, 20, write(1), Output.ok()),
                    ok(2, 5, 15, read(), Output.value(seen))));
        }
    }

    @Test
    @DisplayName("equal times are concurrent: a read invoked at the write's response time may miss it")
    void equalTimesAreConcurrent() {
        assertOk(History.of(
                ok(1, 0, 10, write(1), Output.ok()),
                ok(2, 10, 20, read(), Output.value(0))));
    }

    @Test
    @DisplayName("stale read after a completed write fails")
    void staleReadFails() {
        Result result = assertIllegal(History.of(
                ok(1, 0, 10, write(1), Output.ok()),
                ok(2, 20, 30, write(2), Output.ok()),
                ok(3, 40, 50, read(), Output.value(1))));
        assertTrue(result.report().contains("#2 client 3 [40..50] read() -> 1"), result::report);
    }

    @Test
    @DisplayName("lost write: a read after a completed write sees the initial value")
    void lostWriteFails() {
        assertIllegal(History.of(
                ok(1, 0, 10, write(7), Output.ok()),
                ok(2, 11, 12, read(), Output.value(0))));
    }

    @Test
    @DisplayName("two successful CAS from the same expected value fail")
    void twoCasFromSameExpectedValueFail() {
        assertIllegal(History.of(
                ok(1, 0, 10, cas(0, 1), Output.cas(true)),
                ok(2, 0, 10, cas(0, 2), Output.cas(true))));
    }

    @Test
    @DisplayName("CAS: one winner and one loser from the same expected value pass")
    void casOneWinnerPasses() {
        assertOk(History.of(
                ok(1, 0, 10, cas(0, 1), Output.cas(true)),
                ok(2, 0, 10, cas(0, 2), Output.cas(false)),
                ok(3, 20, 30, read(), Output.value(1))));
    }

    @Test
    @DisplayName("a CAS that reports failure while its expected value is current fails")
    void spuriousCasFailureFails() {
        assertIllegal(History.of(
                ok(1, 0, 10, write(1), Output.ok()),
                ok(2, 20, 30, cas(1, 2), Output.cas(false)),
                ok(3, 40, 50, read(), Output.value(1)),
                ok(1, 60, 70, write(3), Output.ok())));
    }

    @Test
    @DisplayName("a read of a value never written fails")
    void readOfValueNeverWrittenFails() {
        assertIllegal(History.of(
                ok(1, 0, 10, write(1), Output.ok()),
                ok(2, 5, 15, read(), Output.value(42))));
    }

    @Test
    @DisplayName("a read of a value whose write started after the read ended fails")
    void readFromTheFutureFails() {
        assertIllegal(History.of(
                ok(2, 0, 10, read(), Output.value(1)),
                ok(1, 20, 30, write(1), Output.ok())));
    }

    @Test
    @DisplayName("new-then-old reads during one long write fail though each read alone is legal")
    void newThenOldReadsFail() {
        // Each read overlaps the write, so each value is legal on its own; together they would
        // need the write to take effect and then be undone.
        assertIllegal(History.of(
                ok(1, 0, 100, write(1), Output.ok()),
                ok(2, 10, 20, read(), Output.value(1)),
                ok(3, 30, 40, read(), Output.value(0))));
    }

    @Test
    @DisplayName("an unset register reads as unset and CAS from unset works")
    void unsetRegister() {
        RegisterModel<String> model = new RegisterModel<>();
        History<Input<String>, Output<String>> history = History.of(
                Operation.ok(1, 0, 10, read(), Output.value(null)),
                Operation.ok(1, 20, 30, cas(null, "a"), Output.cas(true)),
                Operation.ok(1, 40, 50, cas(null, "b"), Output.cas(false)),
                Operation.ok(1, 60, 70, read(), Output.value("a")));
        Result result = LinearizabilityChecker.check(model, history, Duration.ofSeconds(5));
        assertTrue(result.isOk(), result::report);
    }

    static Operation<Input<Integer>, Output<Integer>> ok(int client, long invoke, long response,
                                                         Input<Integer> input, Output<Integer> output) {
        return Operation.ok(client, invoke, response, input, output);
    }

    static void assertOk(History<Input<Integer>, Output<Integer>> history) {
        Result result = LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(5));
        assertTrue(result.isOk(), () -> result.report() + "\n" + history);
    }

    static Result assertIllegal(History<Input<Integer>, Output<Integer>> history) {
        Result result = LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(5));
        assertEquals(Result.Verdict.ILLEGAL, result.verdict(), () -> result.report() + "\n" + history);
        assertEquals(1, result.counterexamples().size(), result::report);
        return result;
    }
}
