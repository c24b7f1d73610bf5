package io.tandem.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real files, real SIGKILL: a child JVM appends and syncs in a loop and reports
 * every durable index; the test kills it at seeded random moments, reopens the log (running
 * recovery), and checks that every index ever reported durable is present and intact, in order,
 * with no gap. Each run continues the same log, so recovery also runs on logs recovered before.
 *
 * <p>{@code -Dtandem.storage.killPoints=N} sets the number of kills (default 50);
 * {@code -Dtandem.seed=S} replays a seed.
 */
class CrashSafetyTest {

    private static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    static SegmentedRaftLogConfig config(Path dir) {
        return SegmentedRaftLogConfig.builder(dir).segmentSizeBytes(256 * 1024).maxEntryBytes(4096).build();
    }

    @Test
    void sigkilledAppenderNeverLosesADurableEntry() throws Exception {
        int killPoints = Integer.getInteger("tandem.storage.killPoints", 50);
        long seed = Long.getLong("tandem.seed", new SplittableRandom().nextLong());
        String replay = "seed=" + seed + " replay: mvn -pl raft-storage verify -Dtest=CrashSafetyTest -Dtandem.seed=" + seed;
        System.out.println("CrashSafetyTest " + replay + " killPoints=" + killPoints);
        SplittableRandom random = new SplittableRandom(seed);
        Path dir = tmp.resolve("log");
        long reportedDurable = 0;
        for (int kill = 1; kill <= killPoints; kill++) {
            String where = replay + " kill " + kill;
            ChildJvm child = ChildJvm.start(CrashAppender.class, tmp.resolve("stderr-" + kill + ".txt"),
                    dir.toString(), String.valueOf(kill), String.valueOf(random.nextLong()));
            long opened = parse(child.nextLine(LINE_TIMEOUT), "OPEN ", where);
            assertTrue(opened >= reportedDurable, where + ": reopened at " + opened + " below durable " + reportedDurable);
            int linesBeforeKill = random.nextInt(21);
            for (int i = 0; i < linesBeforeKill; i++) {
                reportedDurable = Math.max(reportedDurable, parse(child.nextLine(LINE_TIMEOUT), "D ", where));
            }
            for (String line : child.kill()) {
                reportedDurable = Math.max(reportedDurable, parse(line, "D ", where));
            }
            verify(dir, reportedDurable, where);
        }
    }

    private static long parse(String line, String prefix, String where) {
        assertTrue(line.startsWith(prefix), where + ": unexpected child output '" + line + "'");
        return Long.parseLong(line.substring(prefix.length()));
    }

    /** Every entry up to the last index is intact and in order; nothing reported durable is missing. */
    private static void verify(Path dir, long reportedDurable, String where) {
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            assertEquals(1, log.firstIndex(), where);
            assertTrue(log.lastIndex() >= reportedDurable,
                    where + ": lastIndex " + log.lastIndex() + " < reported durable " + reportedDurable);
            long expected = 1;
            long previousTerm = 0;
            while (expected <= log.lastIndex()) {
                List<LogEntry> chunk = log.entries(expected, log.lastIndex() + 1, 4 << 20);
                for (LogEntry e : chunk) {
                    assertEquals(expected, e.index(), where);
                    assertTrue(Entries.isIntact(e), where + ": entry " + e.index() + " damaged: " + e);
                    assertTrue(e.term() >= previousTerm, where + ": term went back at " + e.index());
                    previousTerm = e.term();
                    expected++;
                }
            }
        }
    }
}
