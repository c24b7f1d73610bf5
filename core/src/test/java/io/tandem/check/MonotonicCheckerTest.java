package io.tandem.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The timestamp-oracle checks: strictly increasing in real time, and unique. */
class MonotonicCheckerTest {

    @Test
    @DisplayName("increasing values pass; concurrent calls may return in either order")
    void increasingPasses() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 5),
                ts(2, 5, 15, 3),  // concurrent with the first: may be smaller
                ts(1, 20, 30, 6),
                ts(2, 20, 30, 7));
        assertTrue(MonotonicChecker.strictlyIncreasing(history).isOk());
        assertTrue(MonotonicChecker.unique(history).isOk());
    }

    @Test
    @DisplayName("a duplicate after a real-time-later invoke fails both checks")
    void duplicateAfterLaterInvokeFails() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 5),
                ts(2, 20, 30, 5));
        Result increasing = MonotonicChecker.strictlyIncreasing(history);
        assertEquals(Result.Verdict.ILLEGAL, increasing.verdict(), increasing::report);
        assertEquals(List.of(history.get(1), history.get(0)),
                increasing.counterexamples().get(0).culprits());
        assertTrue(increasing.report().contains("#1 client 2 [20..30] nextTimestamp() -> 5"),
                increasing::report);
        assertEquals(Result.Verdict.ILLEGAL, MonotonicChecker.unique(history).verdict());
    }

    @Test
    @DisplayName("a decreasing value after a real-time-later invoke fails")
    void decreasingAfterLaterInvokeFails() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 1),
                ts(1, 11, 20, 9),
                ts(2, 15, 25, 10),
                ts(3, 21, 30, 8)); // invoked after #1 (9) completed
        Result result = MonotonicChecker.strictlyIncreasing(history);
        assertEquals(Result.Verdict.ILLEGAL, result.verdict(), result::report);
        assertEquals(1, result.counterexamples().size(), result::report);
        assertEquals(List.of(history.get(3), history.get(1)), result.counterexamples().get(0).culprits());
        assertTrue(MonotonicChecker.unique(history).isOk());
    }

    @Test
    @DisplayName("concurrent duplicates pass the real-time check but fail uniqueness")
    void concurrentDuplicates() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 4),
                ts(2, 5, 15, 4));
        assertTrue(MonotonicChecker.strictlyIncreasing(history).isOk());
        Result unique = MonotonicChecker.unique(history);
        assertEquals(Result.Verdict.ILLEGAL, unique.verdict());
        assertEquals(List.of(history.get(1), history.get(0)), unique.counterexamples().get(0).culprits());
    }

    @Test
    @DisplayName("the comparison is against the maximum of all earlier values, not only the last")
    void comparesWithMaximum() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 100),
                ts(2, 0, 12, 50),
                ts(3, 20, 30, 60)); // above the last completed (50) but below 100
        Result result = MonotonicChecker.strictlyIncreasing(history);
        assertEquals(Result.Verdict.ILLEGAL, result.verdict());
        assertEquals(history.get(0), result.counterexamples().get(0).culprits().get(1));
    }

    @Test
    @DisplayName("unknown and failed calls are ignored")
    void unknownIgnored() {
        History<String, Long> history = History.of(
                ts(1, 0, 10, 5),
                Operation.info(2, 0, "nextTimestamp()"),
                Operation.fail(3, 0, 1, "nextTimestamp()"),
                ts(1, 20, 30, 6));
        assertTrue(MonotonicChecker.strictlyIncreasing(history).isOk());
        assertTrue(MonotonicChecker.unique(history).isOk());
    }

    @Test
    @DisplayName("an OK call without a value is rejected")
    void okWithoutValueRejected() {
        History<String, Long> history = History.of(Operation.ok(1, 0, 1, "nextTimestamp()", null));
        assertThrows(IllegalArgumentException.class, () -> MonotonicChecker.unique(history));
    }

    private static Operation<String, Long> ts(int client, long invoke, long response, long value) {
        return Operation.ok(client, invoke, response, "nextTimestamp()", value);
    }
}
