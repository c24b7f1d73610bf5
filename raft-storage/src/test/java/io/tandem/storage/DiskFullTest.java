package io.tandem.storage;

import static io.tandem.storage.Entries.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: a 1 MiB tmpfs mounted for the test. Needs root (mount); skipped with a message
 * otherwise. Under {@code CI=true} as root a failing mount fails the test instead of skipping it, so
 * CI cannot go green without running it. {@link SegmentedRaftLogTest} covers the same paths through
 * an injected ENOSPC everywhere.
 */
class DiskFullTest {

    @TempDir
    Path tmp;

    Path mount;

    @BeforeEach
    void mountTinyTmpfs() throws Exception {
        mount = tmp.resolve("tiny");
        Files.createDirectories(mount);
        String uid = run("id", "-u").trim();
        Assumptions.assumeTrue(uid.equals("0"), "DiskFullTest skipped: mounting a tmpfs needs root (uid is " + uid + ")");
        String out = run("mount", "-t", "tmpfs", "-o", "size=1m", "tandem-diskfull", mount.toString());
        if (!isMounted()) {
            String message = "DiskFullTest: mount -t tmpfs failed: " + out;
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort(message + " (skipped outside CI)");
        }
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null && isMounted()) {
            run("umount", "-l", mount.toString());
        }
    }

    private boolean isMounted() throws IOException {
        return Files.readString(Path.of("/proc/self/mounts")).contains(" " + mount + " tmpfs ");
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
        }
        return out;
    }

    static SegmentedRaftLogConfig config(Path dir) {
        return SegmentedRaftLogConfig.builder(dir).segmentSizeBytes(64 * 1024).maxEntryBytes(4096).build();
    }

    @Test
    void aFullDiskFailsTheAppendCleanlyAndTheLogRecoversWhenSpaceIsFreed() throws Exception {
        Path dir = mount.resolve("log");
        long last;
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            DiskFullException full = fillUp(log);
            assertTrue(full.getMessage().contains("no space left on device"), full.getMessage());
            last = log.lastIndex();
            assertThrows(EntryUnavailableException.class, () -> log.entry(last + 1));
            assertEquals(last, log.sync().get(30, TimeUnit.SECONDS));
            assertEquals(batch(1, (int) last, 1, 1000), log.entries(1, last + 1, Long.MAX_VALUE));
        }
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            assertEquals(last, log.lastIndex(), "no half entry survives a reopen");
            assertEquals(batch(1, (int) last, 1, 1000), log.entries(1, last + 1, Long.MAX_VALUE));
            log.compactPrefix(last / 2);
            log.append(batch(last + 1, 20, 1, 1000));
            assertEquals(last + 20, log.lastIndex());
        }
    }

    private static DiskFullException fillUp(SegmentedRaftLog log) {
        for (int i = 0; i < 10_000; i++) {
            try {
                log.append(batch(log.lastIndex() + 1, 20, 1, 1000));
            } catch (DiskFullException e) {
                return e;
            }
        }
        throw new AssertionError("a 1 MiB tmpfs never filled up");
    }

    @Test
    void metaAndSnapshotWritesFailTypedAndKeepThePreviousState() throws Exception {
        try (FileMetaStore meta = FileMetaStore.open(mount.resolve("meta"));
                FileSnapshotStore snapshots = FileSnapshotStore.open(mount.resolve("snap"), 2)) {
            meta.save(new TermAndVote(3, "node-a"));
            try (SnapshotWriter w = snapshots.create(10, 1, new byte[0])) {
                w.write(new byte[1000], 0, 1000);
                w.commit().close();
            }
            Files.write(mount.resolve("ballast"), new byte[0]);
            assertThrows(IOException.class, () -> Files.write(mount.resolve("ballast"), new byte[2 << 20]));
            assertThrows(DiskFullException.class, () -> meta.save(new TermAndVote(4, "node-b-" + "x".repeat(1000))));
            assertEquals(new TermAndVote(3, "node-a"), meta.load());
            assertThrows(DiskFullException.class, () -> {
                try (SnapshotWriter w = snapshots.create(20, 1, new byte[0])) {
                    for (int i = 0; i < 100; i++) {
                        w.write(new byte[64 * 1024], 0, 64 * 1024);
                    }
                    w.commit();
                }
            });
            try (Snapshot s = snapshots.latest().orElseThrow()) {
                assertEquals(10, s.meta().lastIncludedIndex());
            }
            try (var files = Files.list(mount.resolve("snap"))) {
                assertEquals(List.of(mount.resolve("snap").resolve(FileSnapshotStore.fileName(10, 1))), files.toList());
            }
        }
        try (FileMetaStore meta = FileMetaStore.open(mount.resolve("meta"))) {
            assertEquals(new TermAndVote(3, "node-a"), meta.load());
        }
    }
}
