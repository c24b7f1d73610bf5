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
 * <p>Holders come in three {@link Mode}s, drawn per grant: normal ones write three times and
 * release; "long" ones ask for a maximum hold time and write for as long as {@code isValid()}
 * says they may; "careless" ones stall past their maximum hold and then write without looking,
 * which only fencing can stop. Records: {@code G grantId client invokeNanos ackNanos token mode},
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

    /** How a holder behaves; drawn per grant. */
    enum Mode {
        /** Three writes, each after checking {@code isValid()}, then release. */
        NORMAL,
        /**
         * Writes every 100 ms for as long as {@code isValid()} holds, up to 1.5 s, then releases;
         * with {@code maxHold=true} it asks for a maximum hold of {@value #MAX_HOLD_MS} ms and keeps
         * writing for up to 4 s, so the lock ends by itself while it is still writing.
         */
        LONG,
        /**
         * Writes once, stalls for 2.5 s (a GC pause, a slow call), then writes twice more without
         * looking at {@code isValid()}: only fencing can stop it. The lock moves on meanwhile if the
         * holder's host is cut off or paused, or, with {@code maxHold=true}, after
         * {@value #MAX_HOLD_MS} ms.
         */
        CARELESS
    }

    static final long MAX_HOLD_MS = 1000;

    private static void loop(Context ctx, int client, FileResource store, SplittableRandom random) {
        DistributedLock plain = ctx.node().lock(LOCK);
        // On by default since anomaly A1 (docs/chaos.md: isValid() ignored the maximum hold, so a
        // cut-off holder stayed "valid" after the cluster gave the lock to someone else) was fixed.
        DistributedLock bounded = Boolean.parseBoolean(ctx.param("maxHold", "true"))
                ? plain.withMaxHold(Duration.ofMillis(MAX_HOLD_MS)) : plain;
        int n = 0;
        while (ctx.running()) {
            String grantId = client + "-" + n++;
            int dice = random.nextInt(10);
            Mode mode = dice < 6 ? Mode.NORMAL : dice < 8 ? Mode.LONG : Mode.CARELESS;
            long invoked = HistoryWriter.now();
            Optional<LockLease> maybe;
            try {
                maybe = (mode == Mode.NORMAL ? plain : bounded).tryAcquire(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                RegisterWorkload.pause(50);
                continue;
            }
            if (maybe.isEmpty()) {
                continue;
            }
            LockLease lease = maybe.get();
            long token = lease.fencingToken();
            ctx.history().write("G", grantId, client, invoked, HistoryWriter.now(), token, mode);
            lease.lost().thenAccept(reason -> ctx.history().write("L", grantId, HistoryWriter.now(),
                    reason.replace('\t', ' ').replace('\n', ' ')));
            try {
                switch (mode) {
                    case NORMAL -> {
                        for (int k = 0; k < 3 && write(ctx, grantId, client, lease, store, false); k++) {
                            RegisterWorkload.pause(20 + random.nextInt(60));
                        }
                    }
                    case LONG -> {
                        // With a maximum hold the lock ends by itself; without, stop after 1.5 s.
                        long until = HistoryWriter.now() + (bounded != plain ? 4_000_000_000L : 1_500_000_000L);
                        while (HistoryWriter.now() < until && write(ctx, grantId, client, lease, store, false)) {
                            RegisterWorkload.pause(100);
                        }
                    }
                    case CARELESS -> {
                        write(ctx, grantId, client, lease, store, true);
                        RegisterWorkload.pause(2500);
                        write(ctx, grantId, client, lease, store, true);
                        RegisterWorkload.pause(50);
                        write(ctx, grantId, client, lease, store, true);
                    }
                    default -> throw new IllegalStateException("mode " + mode);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                ctx.history().write("R", grantId, HistoryWriter.now());
                try {
                    lease.release();
                } catch (RuntimeException e) {
                    // the grant ends with the session or its maximum hold anyway
                }
            }
            RegisterWorkload.pause(random.nextInt(30));
        }
    }

    /**
     * One write with the lease's token: checks {@code isValid()} first (the time of the check is
     * what the checker judges) and skips the write if invalid, unless {@code careless}.
     *
     * @return whether the lease was valid
     */
    private static boolean write(Context ctx, String grantId, int client, LockLease lease, FileResource store,
                                 boolean careless) throws IOException {
        long checked = HistoryWriter.now();
        boolean valid = lease.isValid();
        if (valid || careless) {
            FileResource.Decision d = store.write(lease.fencingToken());
            ctx.history().write("W", grantId, client, lease.fencingToken(), checked, valid, d.decidedNanos(),
                    d.accepted());
        }
        return valid;
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
