package io.tandem.chaos;

import io.tandem.lock.DistributedLock;
import io.tandem.lock.LockLease;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Fenced lock: clients take one lock and write to a simulated protected resource
 * ({@link FileResource}) with the fencing token; {@link FencedLockChecker} judges the grants and
 * the resource's decisions. Two threads per client process, each its own holder.
 *
 * <p>Each grant writes three times, checking {@code isValid()} before each write; one grant in
 * five is "careless" and writes even when its lease is no longer valid — a holder that does not
 * look, which only fencing can stop. Records: {@code G grantId client invokeNanos ackNanos token},
 * {@code W grantId client token checkNanos valid decidedNanos accepted}, {@code L grantId nanos
 * reason} (lease lost), {@code R grantId nanos} (release started).
 */
final class FencedLockWorkload implements Workload {

    static final String LOCK = "chaos-fenced";

    @Override
    public String name() {
        return "lock";
    }

    @Override
    public void drive(Context ctx) throws Exception {
        Path resource = Path.of(ctx.param("resource", "resource.bin"));
        List<Thread> threads = new ArrayList<>();
        try (FileResource store = new FileResource(resource)) {
            for (int t = 0; t < 2; t++) {
                int client = ctx.clientIndex() * 10 + t;
                long seed = ctx.random().nextLong();
                Thread th = new Thread(() -> loop(ctx, client, store, new SplittableRandom(seed)), "lock-" + client);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
        }
    }

    private static void loop(Context ctx, int client, FileResource store, SplittableRandom random) {
        DistributedLock lock = ctx.node().lock(LOCK);
        int n = 0;
        while (ctx.running()) {
            String grantId = client + "-" + n++;
            long invoked = HistoryWriter.now();
            Optional<LockLease> maybe;
            try {
                maybe = lock.tryAcquire(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                RegisterWorkload.pause(50);
                continue;
            }
            if (maybe.isEmpty()) {
                continue;
            }
            LockLease lease = maybe.get();
            long token = lease.fencingToken();
            ctx.history().write("G", grantId, client, invoked, HistoryWriter.now(), token);
            lease.lost().thenAccept(reason -> ctx.history().write("L", grantId, HistoryWriter.now(),
                    reason.replace('\t', ' ').replace('\n', ' ')));
            boolean careless = random.nextInt(5) == 0;
            try {
                for (int k = 0; k < 3; k++) {
                    long checked = HistoryWriter.now();
                    boolean valid = lease.isValid();
                    if (!valid && !careless) {
                        break;
                    }
                    FileResource.Decision d = store.write(token);
                    ctx.history().write("W", grantId, client, token, checked, valid, d.decidedNanos(), d.accepted());
                    RegisterWorkload.pause(20 + random.nextInt(60));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                ctx.history().write("R", grantId, HistoryWriter.now());
                try {
                    lease.release();
                } catch (RuntimeException e) {
                    // the grant ends with the session anyway; the checker does not need the release
                }
            }
            RegisterWorkload.pause(random.nextInt(30));
        }
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        List<FencedLockChecker.Grant> grants = new ArrayList<>();
        List<FencedLockChecker.Write> writes = new ArrayList<>();
        for (String[] r : HistoryWriter.read(histories)) {
            switch (r[0]) {
                case "G" -> grants.add(new FencedLockChecker.Grant(r[1], Integer.parseInt(r[2]), Long.parseLong(r[3]),
                        Long.parseLong(r[4]), Long.parseLong(r[5])));
                case "W" -> writes.add(new FencedLockChecker.Write(r[1], Integer.parseInt(r[2]), Long.parseLong(r[3]),
                        Long.parseLong(r[4]), Boolean.parseBoolean(r[5]), Long.parseLong(r[6]),
                        Boolean.parseBoolean(r[7])));
                default -> {
                }
            }
        }
        return FencedLockChecker.check(grants, writes);
    }
}
