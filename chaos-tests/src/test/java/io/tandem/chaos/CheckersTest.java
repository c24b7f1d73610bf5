package io.tandem.chaos;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every checker is shown to catch a violation: a known-bad history, written in the same file
 * format the clients write and read back through the workload's own parser, must be reported;
 * its repaired twin must pass (so the test is not passing because the checker rejects
 * everything). Runs in the default build; needs no root.
 */
class CheckersTest {

    @TempDir
    Path dir;

    private Workload.Verdict check(Workload workload, String... lines) throws IOException {
        Path file = dir.resolve(workload.name() + "-" + System.nanoTime() + ".history");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return workload.check(List.of(file), dir);
    }

    private static void assertCaught(Workload.Verdict v, String expected) {
        assertFalse(v.ok(), "the checker missed it:\n" + v.report());
        assertTrue(v.report().contains(expected), "expected '" + expected + "' in:\n" + v.report());
    }

    private static void assertPasses(Workload.Verdict v) {
        assertTrue(v.ok(), v.report());
    }

    // ---------------------------------------------------------------- register

    @Test
    void registerCatchesAStaleRead() throws IOException {
        Workload w = new RegisterWorkload(false);
        // client 10 wrote a (v1) and then b (v2); client 20 read a afterwards: stale.
        String[] bad = {
            "I\t10-0\t10\t100\twrite\treg/0/0\ta\t0", "C\t10-0\t110\tOK\twritten\t-\t1",
            "I\t10-1\t10\t120\twrite\treg/0/0\tb\t0", "C\t10-1\t130\tOK\twritten\t-\t2",
            "I\t20-0\t20\t140\tread\treg/0/0\t-\t0", "C\t20-0\t150\tOK\trecord\ta\t1"};
        assertCaught(check(w, bad), "NOT LINEARIZABLE");
        String[] good = bad.clone();
        good[5] = "C\t20-0\t150\tOK\trecord\tb\t2";
        assertPasses(check(w, good));
    }

    @Test
    void registerCatchesALostCompareAndWrite() throws IOException {
        Workload w = new RegisterWorkload(false);
        // Both compare-and-writes at version 1 succeeded: only one may.
        assertCaught(check(w,
                "I\t10-0\t10\t100\twrite\treg/0/1\ta\t0", "C\t10-0\t110\tOK\twritten\t-\t1",
                "I\t10-1\t10\t120\tcas\treg/0/1\tb\t1", "C\t10-1\t130\tOK\twritten\t-\t2",
                "I\t20-0\t20\t121\tcas\treg/0/1\tc\t1", "C\t20-0\t131\tOK\twritten\t-\t2"), "NOT LINEARIZABLE");
    }

    @Test
    void registerTreatsTimeoutsAsUnknown() throws IOException {
        // A timed-out write may have applied: a later read of its value is fine.
        assertPasses(check(new RegisterWorkload(false),
                "I\t10-0\t10\t100\twrite\treg/0/0\ta\t0", "C\t10-0\t110\tINFO\tTandemTimeoutException\t-\t0",
                "I\t20-0\t20\t140\tread\treg/0/0\t-\t0", "C\t20-0\t150\tOK\trecord\ta\t1"));
    }

    // ---------------------------------------------------------------- fenced lock

    @Test
    void lockCatchesADuplicateToken() throws IOException {
        assertCaught(check(new FencedLockWorkload(),
                "G\t10-0\t10\t100\t110\t5", "G\t20-0\t20\t105\t115\t5"), "duplicate token 5");
    }

    @Test
    void lockCatchesTokensGoingBackwardsInRealTime() throws IOException {
        assertCaught(check(new FencedLockWorkload(),
                "G\t10-0\t10\t100\t110\t7", "R\t10-0\t120", "G\t20-0\t20\t130\t140\t6"), "token order");
    }

    @Test
    void lockCatchesAResourceThatAcceptedAnOlderToken() throws IOException {
        assertCaught(check(new FencedLockWorkload(),
                "G\t10-0\t10\t100\t110\t5", "G\t20-0\t20\t200\t210\t6",
                "W\t20-0\t20\t6\t215\ttrue\t216\ttrue",
                "W\t10-0\t10\t5\t150\tfalse\t220\ttrue"), "resource order");
    }

    @Test
    void lockCatchesTwoValidHoldersAtOnce() throws IOException {
        Workload w = new FencedLockWorkload();
        // Client 10 found its lease (token 5) valid at 300, after client 20 had been granted token 6 at 210.
        String[] bad = {
            "G\t10-0\t10\t100\t110\t5", "W\t10-0\t10\t5\t120\ttrue\t121\ttrue",
            "G\t20-0\t20\t200\t210\t6", "W\t10-0\t10\t5\t300\ttrue\t301\ttrue",
            "W\t20-0\t20\t6\t310\ttrue\t311\ttrue"};
        assertCaught(check(w, bad), "unfenced overlap");
        // Refused by the resource, but the lease still claimed to be valid: local revocation failed.
        assertCaught(check(w, "G\t10-0\t10\t100\t110\t5", "W\t10-0\t10\t5\t120\ttrue\t121\ttrue",
                "G\t20-0\t20\t200\t210\t6", "W\t20-0\t20\t6\t220\ttrue\t221\ttrue",
                "W\t10-0\t10\t5\t300\ttrue\t301\tfalse"), "stale valid lease");
        // The same stale write, made without a valid lease and refused by the resource, is fine.
        assertPasses(check(w, "G\t10-0\t10\t100\t110\t5", "W\t10-0\t10\t5\t120\ttrue\t121\ttrue",
                "G\t20-0\t20\t200\t210\t6", "W\t20-0\t20\t6\t220\ttrue\t221\ttrue",
                "W\t10-0\t10\t5\t300\tfalse\t301\tfalse"));
    }

    // ---------------------------------------------------------------- leader

    @Test
    void leaderCatchesTwoLeadersInOneTerm() throws IOException {
        assertCaught(check(new LeaderWorkload(),
                "E\t1-0\t1\t100\t110\t9", "E\t2-0\t2\t100\t120\t9", "X\t1\t9\t200\tresigned"),
                "two leaders in term 9");
    }

    @Test
    void leaderCatchesTermsGoingBackwards() throws IOException {
        assertCaught(check(new LeaderWorkload(),
                "E\t1-0\t1\t100\t110\t9", "X\t1\t9\t150\trevoked:resigned",
                "E\t2-0\t2\t200\t210\t8", "X\t2\t8\t250\trevoked:resigned"), "term order");
    }

    @Test
    void leaderCatchesARevocationThatNeverArrived() throws IOException {
        Workload w = new LeaderWorkload();
        // Leader of term 9 still acts at 400, after term 12 was elected at 310; and never sees an end.
        assertCaught(check(w, "E\t1-0\t1\t100\t110\t9", "A\t1\t9\t200", "E\t2-0\t2\t300\t310\t12",
                "A\t1\t9\t400", "A\t2\t12\t410"), "revocation did not reach the old leader");
        assertPasses(check(w, "E\t1-0\t1\t100\t110\t9", "A\t1\t9\t200", "X\t1\t9\t250\trevoked:session expired",
                "E\t2-0\t2\t300\t310\t12", "A\t2\t12\t410"));
    }

    @Test
    void leaderCatchesAWatcherSeeingTermsOutOfOrder() throws IOException {
        assertCaught(check(new LeaderWorkload(), "O\t3\t100\t9", "O\t3\t110\t0", "O\t3\t120\t8"), "watch order");
    }

    // ---------------------------------------------------------------- timestamps

    @Test
    void timestampsCatchADecreaseAcrossClients() throws IOException {
        Workload w = new TimestampWorkload();
        assertCaught(check(w, "T\t10\t100\t110\t500", "T\t20\t120\t130\t499"), "NOT STRICTLY INCREASING");
        // Concurrent calls may return in either order.
        assertPasses(check(w, "T\t10\t100\t130\t500", "T\t20\t120\t140\t499", "T\t10\t150\t160\t501"));
    }

    @Test
    void timestampsCatchADuplicate() throws IOException {
        assertCaught(check(new TimestampWorkload(), "T\t10\t100\t130\t500", "T\t20\t120\t140\t500"), "NOT UNIQUE");
    }

    // ---------------------------------------------------------------- watch

    private static final String[] WRITES = {
        "PI\t1\tw/0\tc1.0", "PC\t1\tw/0\tc1.0\tOK\t10",
        "PI\t2\tw/1\tc2.0", "PC\t2\tw/1\tc2.0\tOK\t11",
        "PI\t1\tw/0\tc1.1", "PC\t1\tw/0\tc1.1\tOK\t12"};

    private Workload.Verdict watch(String... events) throws IOException {
        String[] all = new String[WRITES.length + events.length];
        System.arraycopy(WRITES, 0, all, 0, WRITES.length);
        System.arraycopy(events, 0, all, WRITES.length, events.length);
        return check(new WatchWorkload(), all);
    }

    @Test
    void watchCatchesAGap() throws IOException {
        assertCaught(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t12\tw/0\tc1.1\tPUT"), "gap");
        assertPasses(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t11\tw/1\tc2.0\tPUT", "WE\t3\t12\tw/0\tc1.1\tPUT"));
    }

    @Test
    void watchCatchesReorderingAndDuplicates() throws IOException {
        assertCaught(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t12\tw/0\tc1.1\tPUT", "WE\t3\t11\tw/1\tc2.0\tPUT"),
                "order");
        assertCaught(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t11\tw/1\tc2.0\tPUT", "WE\t3\t11\tw/1\tc2.0\tPUT",
                "WE\t3\t12\tw/0\tc1.1\tPUT"), "order");
    }

    @Test
    void watchCatchesPhantomsAndStalls() throws IOException {
        assertCaught(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t11\tw/1\tnever-written\tPUT",
                "WE\t3\t12\tw/0\tc1.1\tPUT"), "phantom");
        assertCaught(watch("WE\t3\t10\tw/0\tc1.0\tPUT", "WE\t3\t11\tw/1\tc2.0\tPUT", "WEND\t3\t12\t11"), "stalled");
    }

    // ---------------------------------------------------------------- queue

    /**
     * A clean queue history: k1 acknowledged to clients 1 and 2 as task 1 and run twice (claim 9's
     * result came too late, claim 10's was accepted); k2 failed all three attempts and was
     * dead-lettered; k3's submit timed out and its task is still ready (not acknowledged: fine).
     */
    private static final String[] QUEUE = {
        "SI\t1\t1.0-0\tk1\t90", "SC\t1\t1.0-0\tk1\t100\tOK\t1",
        "SI\t2\t2.0-0\tk1\t95", "SC\t2\t2.0-0\tk1\t110\tOK\t1",
        "SI\t1\t1.0-1\tk2\t111", "SC\t1\t1.0-1\tk2\t120\tOK\t2",
        "SI\t2\t2.0-1\tk3\t121", "SC\t2\t2.0-1\tk3\t130\tINFO\tTandemTimeoutException",
        "HS\t3\t1\tk1\t1\t9\t130", "HE\t3\t1\tk1\t1\t9\t135\tOK\tc3/t9/a1",
        "HS\t1\t1\tk1\t2\t10\t140", "HE\t1\t1\tk1\t2\t10\t150\tOK\tc1/t10/a2",
        "HS\t2\t2\tk2\t1\t11\t141", "HE\t2\t2\tk2\t1\t11\t151\tFAIL\t-",
        "HS\t3\t2\tk2\t2\t12\t160", "HE\t3\t2\tk2\t2\t12\t170\tFAIL\t-",
        "HS\t1\t2\tk2\t3\t13\t180", "HE\t1\t2\tk2\t3\t13\t190\tFAIL\t-",
        "R\t1\t1\tk1\tCOMPLETED\tc1/t10/a2", "R\t2\t1\tk1\tCOMPLETED\tc1/t10/a2", "R\t1\t2\tk2\tDEAD\t-",
        "D\t1\t300\tdrained\t0\t0\t0\t1\t1",
        "F\t1\tk1\tCOMPLETED\t2\t3\tc1/t10/a2", "F\t2\tk2\tDEAD\t3\t3\t-", "F\t3\tk3\tREADY\t0\t3\t-",
        "FEND\t1\t3\tfalse"};

    /** The clean queue history with {@code from} replaced by {@code to} (null: removed); more lines appended. */
    private Workload.Verdict queue(String from, String to, String... more) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        boolean found = from == null;
        for (String l : QUEUE) {
            if (l.equals(from)) {
                found = true;
                if (to != null) {
                    lines.add(to);
                }
            } else {
                lines.add(l);
            }
        }
        assertTrue(found, "no line " + from);
        lines.addAll(List.of(more));
        return check(new QueueWorkload(), lines.toArray(new String[0]));
    }

    @Test
    void queuePassesACleanHistory() throws IOException {
        Workload.Verdict v = queue(null, null);
        assertPasses(v);
        assertTrue(v.report().contains("1 completed, 1 dead-lettered") && v.report().contains(
                "5 handler runs (3 retries, 3 failed on purpose, 1 redelivered after a lost claim)"), v.report());
    }

    @Test
    void queueCatchesALostAndAnUnfinishedTask() throws IOException {
        assertCaught(queue("F\t2\tk2\tDEAD\t3\t3\t-", null), "lost: task 2");
        assertCaught(queue("F\t2\tk2\tDEAD\t3\t3\t-", "F\t2\tk2\tCLAIMED\t2\t3\t-"), "not finished: task 2");
        // Without the final read the checker cannot tell lost from running: that fails too.
        assertCaught(queue("FEND\t1\t3\tfalse", null), "no final read");
    }

    @Test
    void queueCatchesASecondTaskForOneKey() throws IOException {
        assertCaught(queue("SC\t2\t2.0-0\tk1\t110\tOK\t1", "SC\t2\t2.0-0\tk1\t110\tOK\t9"),
                "duplicated by key");
    }

    @Test
    void queueCatchesTwoOutcomesOfOneTask() throws IOException {
        assertCaught(queue("R\t2\t1\tk1\tCOMPLETED\tc1/t10/a2", "R\t2\t1\tk1\tDEAD\t-"), "duplicate outcome");
        // Both results came from real runs, but only one may be the task's.
        assertCaught(queue("R\t2\t1\tk1\tCOMPLETED\tc1/t10/a2", "R\t2\t1\tk1\tCOMPLETED\tc3/t9/a1"),
                "duplicate outcome");
    }

    @Test
    void queueCatchesPhantoms() throws IOException {
        assertCaught(queue(null, null, "R\t1\t7\tzz\tCOMPLETED\tc1/t20/a1"), "phantom");
        assertCaught(queue(null, null, "HS\t1\t7\tzz\t1\t20\t200"), "phantom");
        // k2's handler failed every run: a completion of it came from nowhere.
        assertCaught(queue("F\t2\tk2\tDEAD\t3\t3\t-", "F\t2\tk2\tCOMPLETED\t3\t3\tc1/t13/a3"),
                "phantom result");
    }

    @Test
    void queueCatchesAStaleCompletion() throws IOException {
        // Claim 10's result was accepted, yet the task was claimed again (token 14) afterwards.
        assertCaught(queue(null, null, "HS\t2\t1\tk1\t3\t14\t200"), "stale completion");
    }

    @Test
    void queueCatchesWrongAttemptCounts() throws IOException {
        assertCaught(queue(null, null, "HS\t2\t2\tk2\t4\t15\t200", "HE\t2\t2\tk2\t4\t15\t210\tFAIL\t-"),
                "too many attempts");
        assertCaught(queue("F\t2\tk2\tDEAD\t3\t3\t-", "F\t2\tk2\tDEAD\t2\t3\t-"), "dead-lettered early");
        assertCaught(queue("F\t2\tk2\tDEAD\t3\t3\t-", "F\t2\tk2\tCANCELLED\t3\t3\t-"), "cancelled");
    }

    @Test
    void queueCatchesAResultWaiterThatNeverCompleted() throws IOException {
        assertCaught(queue("R\t1\t2\tk2\tDEAD\t-", "RP\t1\t2\tk2"), "result never completed");
    }

    @Test
    void everyWorkloadIsNamed() {
        for (String name : List.of("register", "register-stale", "lock", "leader", "timestamps", "watch", "queue")) {
            assertTrue(Workload.named(name).name().equals(name), name);
        }
    }
}
