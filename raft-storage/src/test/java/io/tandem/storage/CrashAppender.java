package io.tandem.storage;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child process of {@link CrashSafetyTest}: opens a log, prints {@code OPEN <lastIndex>}, then
 * appends random batches with the given term and syncs after each, printing {@code D <index>}
 * for every index the log reports durable, until it is killed.
 */
public final class CrashAppender {

    private CrashAppender() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long term = Long.parseLong(args[1]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        try (SegmentedRaftLog log = SegmentedRaftLog.open(CrashSafetyTest.config(dir))) {
            System.out.println("OPEN " + log.lastIndex());
            System.out.flush();
            while (true) {
                int count = 1 + random.nextInt(64);
                int payloadBytes = random.nextInt(1500);
                log.append(Entries.batch(log.lastIndex() + 1, count, term, payloadBytes));
                long durable = log.sync().join();
                System.out.println("D " + durable);
                System.out.flush();
            }
        }
    }
}
