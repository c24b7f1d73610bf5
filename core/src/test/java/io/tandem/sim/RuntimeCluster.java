package io.tandem.sim;

import io.tandem.check.HistoryRecorder;
import io.tandem.check.KeyValueModel;
import io.tandem.node.Autopilot;
import io.tandem.node.Clock;
import io.tandem.node.NodeOptions;
import io.tandem.node.RaftNode;
import io.tandem.node.RuntimeBug;
import io.tandem.raft.RaftConfig;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.Record;
import io.tandem.state.StateMachine;
import io.tandem.storage.InMemoryMetaStore;
import io.tandem.storage.InMemoryRaftLog;
import io.tandem.storage.InMemorySnapshotStore;
import io.tandem.storage.MetaStore;
import io.tandem.storage.RaftLog;
import io.tandem.storage.SnapshotStore;
import io.tandem.time.HybridClock;
import io.tandem.transport.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A cluster of real {@link RaftNode} runtimes — the production class, unchanged — on one
 * {@link SimScheduler}: virtual time, a seeded {@link SimNet}, in-memory storage whose fsyncs
 * complete after a seeded delay and whose unsynced tail a crash loses. Everything, including
 * user callbacks, runs on the test's thread in an order fixed by the seed.
 */
final class RuntimeCluster {

    static final long MS = 1_000_000L;
    static final long SESSION_TIMEOUT_MS = 2_000;

    final long seed;
    final SimScheduler sim = new SimScheduler();
    final SplittableRandom random;
    final SimNet net;
    final List<Member> members = new ArrayList<>();
    final HistoryRecorder<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>> history;
    /** Sessions observed expiring (by any replica), with the virtual time of that apply. */
    final TreeMap<Long, Long> sessionExpiredAtNanos = new TreeMap<>();
    RuntimeBug bug;
    long maxSyncDelayNanos = 3 * MS;

    /** One node: its durable parts survive crashes; its runtime, loop and transport are per incarnation. */
    final class Member {
        final String id;
        final Endpoint endpoint;
        final InMemoryRaftLog log;
        final InMemoryMetaStore meta = new InMemoryMetaStore();
        final InMemorySnapshotStore snapshots = new InMemorySnapshotStore(2);
        final long wallSkewMs;
        SimNodeLoop loop;
        RaftNode runtime;
        boolean up;
        int incarnation;

        Member(String id, Endpoint endpoint, long wallSkewMs) {
            this.id = id;
            this.endpoint = endpoint;
            this.wallSkewMs = wallSkewMs;
            Executor syncs = task -> sim.after(random.nextLong(maxSyncDelayNanos + 1), null, task);
            this.log = new InMemoryRaftLog(syncs, 1 << 20);
        }

        void start(List<Endpoint> seeds) {
            incarnation++;
            loop = new SimNodeLoop(sim, 10_000);
            Clock clock = new Clock() {
                @Override
                public long wallMillis() {
                    return 1_700_000_000_000L + sim.nowNanos() / MS + wallSkewMs;
                }

                @Override
                public long monotonicNanos() {
                    return sim.nowNanos();
                }
            };
            NodeOptions opt = new NodeOptions(id, endpoint, seeds, RaftConfig.builder(id).build(), 10,
                    SESSION_TIMEOUT_MS, 200, 1_500, 100, 10_000, 10_000, seeds.size(), StateMachine.Limits.DEFAULT,
                    500, new Autopilot.Settings(30_000, 0, seeds.size(), seeds.size(), 1_000));
            Executor callbacks = task -> sim.after(0, null, task);
            SimNodeLoop l = loop;
            runtime = new RaftNode(opt, new RaftNode.Storage(keepOpen(RaftLog.class, log), keepOpen(MetaStore.class,
                    meta), keepOpen(SnapshotStore.class, snapshots)), net.transport(id, endpoint, l), clock,
                    new SplittableRandom(seed ^ (31L * incarnation + id.hashCode())), callbacks,
                    new HybridClock(clock::wallMillis, 500), t -> l);
            if (bug != null) {
                runtime.injectBugForTesting(bug);
            }
            runtime.addStateListener(new StateMachine.Listener() {
                @Override
                public void onSessionClosed(long sessionId, String nodeId, boolean expired) {
                    if (expired) {
                        sessionExpiredAtNanos.merge(sessionId, sim.nowNanos(), Math::min);
                        checkLeaseAtExpiry(id, sessionId, nodeId);
                    }
                }
            });
            runtime.start();
            up = true;
        }

        /** kill -9: the loop stops where it is, the log loses what was not fsynced. */
        void crash() {
            if (!up) {
                return;
            }
            up = false;
            RaftNode r = runtime;
            SimNodeLoop l = loop;
            // On the node's own loop, close() stops it at once (like a kill, nothing graceful is sent).
            sim.after(0, l, () -> {
                r.close();
                l.stop();
                log.crash();
            });
        }
    }

    /** Broken invariants seen while running (checked at the moment they happen). */
    final List<String> violations = new ArrayList<>();

    /**
     * DESIGN §3: when a session expires in the replicated state, the node that owns it must
     * already have stopped relying on it by its own clock — else it could still act on a lock the
     * cluster is handing to someone else.
     */
    private void checkLeaseAtExpiry(String replica, long sessionId, String ownerId) {
        for (Member owner : members) {
            if (owner.id.equals(ownerId) && owner.up && owner.runtime.sessionId() == sessionId
                    && owner.runtime.sessionValidUntilNanos() > sim.nowNanos()) {
                violations.add(String.format("SessionLease: replica %s expired session %d at %d ms, but its owner %s"
                        + " still relied on it for %d ms more", replica, sessionId, sim.nowNanos() / MS, ownerId,
                        (owner.runtime.sessionValidUntilNanos() - sim.nowNanos()) / MS));
            }
        }
    }

    RuntimeCluster(long seed, int nodes) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.net = new SimNet(sim, new SplittableRandom(seed * 31 + 7));
        this.history = new HistoryRecorder<>(sim::nowNanos);
        for (int i = 1; i <= nodes; i++) {
            members.add(new Member("n" + i, new Endpoint("sim-n" + i, 7000 + i), random.nextLong(-200, 201)));
        }
    }

    List<Endpoint> seeds() {
        return members.stream().map(m -> m.endpoint).toList();
    }

    void startAll() {
        for (Member m : members) {
            m.start(seeds());
        }
    }

    /** Storage that outlives a runtime: close() is left to the harness (a crash must not mark the log durable). */
    @SuppressWarnings("unchecked")
    private static <T> T keepOpen(Class<T> type, T target) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null;
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    // ------------------------------------------------------------------ the register workload

    /** One client of one node: writes unique values and reads them back, one call at a time. */
    void client(int clientId, Member member, List<String> keys, long untilNanos) {
        int[] counter = {0};
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (sim.nowNanos() >= untilNanos) {
                return;
            }
            if (!member.up) {
                sim.after(20 * MS, null, next[0]);
                return;
            }
            String key = keys.get(random.nextInt(keys.size()));
            RaftNode node = member.runtime;
            if (random.nextInt(2) == 0) {
                int value = clientId * 1_000_000 + ++counter[0];
                var call = history.recordInvoke(clientId, KeyValueModel.put(key, value));
                CompletableFuture<CommandResult> f = node.submit(new Command.Put(key, Integer.toString(value)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8), Command.Put.ANY_VERSION, 0, false));
                f.whenComplete((r, e) -> {
                    if (e == null && r instanceof CommandResult.Written) {
                        call.ok(KeyValueModel.Output.ok());
                    } else {
                        call.unknown(); // may have applied: the checker tries both
                    }
                    sim.after(random.nextLong(1, 20 * MS), null, next[0]);
                });
            } else {
                var call = history.recordInvoke(clientId, KeyValueModel.get(key));
                CompletableFuture<Optional<Record>> f = node.read(true, sm -> sm.get(key));
                f.whenComplete((r, e) -> {
                    if (e == null) {
                        call.ok(r.isEmpty() ? KeyValueModel.Output.absent() : KeyValueModel.Output.value(
                                Integer.parseInt(new String(r.get().value(), java.nio.charset.StandardCharsets.UTF_8))));
                    } else {
                        call.fail(); // a failed read has no effect
                    }
                    sim.after(random.nextLong(1, 20 * MS), null, next[0]);
                });
            }
        };
        sim.after(random.nextLong(0, 10 * MS), null, next[0]);
    }

    /** The state machine of a live member, serialized (identical bytes = identical replicas at one index). */
    CompletableFuture<byte[]> state(Member m) {
        return m.runtime.read(false, sm -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                sm.snapshot(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        });
    }
}
