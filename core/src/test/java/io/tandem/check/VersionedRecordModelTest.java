package io.tandem.check;

import static io.tandem.check.VersionedRecordModel.delete;
import static io.tandem.check.VersionedRecordModel.read;
import static io.tandem.check.VersionedRecordModel.write;
import static io.tandem.check.VersionedRecordModel.writeIfVersion;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.check.VersionedRecordModel.Input;
import io.tandem.check.VersionedRecordModel.Output;
import io.tandem.check.VersionedRecordModel.VersionsAfterDelete;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Hand-written histories of the Data API's versioned records. */
class VersionedRecordModelTest {

    private static final VersionedRecordModel<String, String> RESTART = new VersionedRecordModel<>();
    private static final VersionedRecordModel<String, String> CONTINUE =
            new VersionedRecordModel<>(VersionsAfterDelete.CONTINUE);

    @Test
    @DisplayName("versions start at 1 and grow by 1 per write; reads return value and version")
    void versionsCountWrites() {
        assertVerdict(Result.Verdict.OK, RESTART, History.of(
                ok(1, 0, 1, read("k"), Output.absent()),
                ok(1, 2, 3, write("k", "a"), Output.written(1)),
                ok(2, 4, 5, write("k", "b"), Output.written(2)),
                ok(1, 6, 7, read("k"), Output.record("b", 2))));
    }

    @Test
    @DisplayName("a first write that returns version 2 fails")
    void firstWriteMustBeVersionOne() {
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(2))));
    }

    @Test
    @DisplayName("concurrent writes may get versions 1 and 2 in either order, but not both 1")
    void concurrentWritesGetDistinctVersions() {
        assertVerdict(Result.Verdict.OK, RESTART, History.of(
                ok(1, 0, 10, write("k", "a"), Output.written(2)),
                ok(2, 0, 10, write("k", "b"), Output.written(1)),
                ok(3, 20, 30, read("k"), Output.record("a", 2))));
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 10, write("k", "a"), Output.written(1)),
                ok(2, 0, 10, write("k", "b"), Output.written(1))));
    }

    @Test
    @DisplayName("version going backwards between two reads fails")
    void versionGoingBackwardsFails() {
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(1, 2, 3, write("k", "b"), Output.written(2)),
                ok(2, 10, 20, read("k"), Output.record("b", 2)),
                ok(3, 30, 40, read("k"), Output.record("a", 1))));
    }

    @Test
    @DisplayName("two successful compare-and-writes from the same version fail")
    void twoSuccessfulConditionalWritesFail() {
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(2, 10, 20, writeIfVersion("k", "b", 1), Output.written(2)),
                ok(3, 10, 20, writeIfVersion("k", "c", 1), Output.written(2))));
        assertVerdict(Result.Verdict.OK, RESTART, History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(2, 10, 20, writeIfVersion("k", "b", 1), Output.written(2)),
                ok(3, 10, 20, writeIfVersion("k", "c", 1), Output.conflict())));
    }

    @Test
    @DisplayName("a conflict reported while the expected version is current fails")
    void spuriousConflictFails() {
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(2, 10, 20, writeIfVersion("k", "b", 1), Output.conflict()),
                ok(3, 30, 40, read("k"), Output.record("a", 1))));
    }

    @Test
    @DisplayName("version 0 means create-only: succeeds on an absent key, conflicts on a present one")
    void createOnly() {
        assertVerdict(Result.Verdict.OK, RESTART, History.of(
                ok(1, 0, 1, writeIfVersion("k", "a", 0), Output.written(1)),
                ok(2, 2, 3, writeIfVersion("k", "b", 0), Output.conflict())));
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, writeIfVersion("k", "a", 0), Output.written(1)),
                ok(2, 2, 3, writeIfVersion("k", "b", 0), Output.written(2))));
    }

    @Test
    @DisplayName("after a delete, RESTART starts again at version 1 and CONTINUE does not")
    void versionsAfterDelete() {
        History<Input<String, String>, Output<String>> restarted = History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(1, 2, 3, write("k", "b"), Output.written(2)),
                ok(1, 4, 5, delete("k"), Output.deleted(true)),
                ok(1, 6, 7, read("k"), Output.absent()),
                ok(1, 8, 9, write("k", "c"), Output.written(1)));
        assertVerdict(Result.Verdict.OK, RESTART, restarted);
        assertVerdict(Result.Verdict.ILLEGAL, CONTINUE, restarted);

        History<Input<String, String>, Output<String>> continued = History.of(
                ok(1, 0, 1, write("k", "a"), Output.written(1)),
                ok(1, 2, 3, write("k", "b"), Output.written(2)),
                ok(1, 4, 5, delete("k"), Output.ok()),
                ok(1, 8, 9, write("k", "c"), Output.written(3)),
                ok(1, 10, 11, writeIfVersion("k", "d", 3), Output.written(4)));
        assertVerdict(Result.Verdict.OK, CONTINUE, continued);
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, continued);
    }

    @Test
    @DisplayName("a delete that claims the record existed when it was absent fails")
    void deleteOfAbsentRecord() {
        assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, delete("k"), Output.deleted(true))));
        assertVerdict(Result.Verdict.OK, RESTART, History.of(
                ok(1, 0, 1, delete("k"), Output.deleted(false)),
                ok(1, 2, 3, delete("k"), Output.ok())));
    }

    @Test
    @DisplayName("keys are independent: a violation is reported under its own key")
    void partitionedByKey() {
        Result result = assertVerdict(Result.Verdict.ILLEGAL, RESTART, History.of(
                ok(1, 0, 1, write("a", "x"), Output.written(1)),
                ok(2, 0, 1, write("b", "y"), Output.written(1)),
                ok(1, 2, 3, read("a"), Output.record("x", 1)),
                ok(2, 2, 3, read("b"), Output.absent())));
        assertEquals("b", result.counterexamples().get(0).partition());
    }

    private static Operation<Input<String, String>, Output<String>> ok(
            int client, long invoke, long response, Input<String, String> input, Output<String> output) {
        return Operation.ok(client, invoke, response, input, output);
    }

    private static Result assertVerdict(Result.Verdict expected,
                                        VersionedRecordModel<String, String> model,
                                        History<Input<String, String>, Output<String>> history) {
        Result result = LinearizabilityChecker.check(model, history, Duration.ofSeconds(5));
        assertEquals(expected, result.verdict(), () -> result.report() + "\n" + history);
        return result;
    }
}
