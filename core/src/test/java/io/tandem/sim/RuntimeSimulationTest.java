package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tandem.check.LinearizabilityChecker;
import io.tandem.check.Result;
import io.tandem.node.RuntimeBug;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The production runtime ({@code RaftNode}, its loop logic, Ready processing, sessions,
 * forwarding, ReadIndex batching) — not a copy — in the simulator: three real nodes on virtual
 * time under crashes that lose unsynced writes, partitions, pauses and message loss, with
 * register clients on every node. Checks: the history is linearizable, no loop stops on an error,
 * and after healing every replica converges to the same bytes. Each run prints nothing unless it
 * fails; then it prints its seed and how to replay it.
 */
class RuntimeSimulationTest {

    private static final long MS = RuntimeCluster.MS;

    static Stream<Long> seeds() {
        return Seeds.select(0x5eed_17L).stream().limit(Integer.getInteger("tandem.runtimeSeeds", 100));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void registerUnderFaults(long seed) {
        String problem = run(seed, null);
        if (problem != null) {
            fail(failure(seed, problem));
        }
    }

    static String failure(long seed, String problem) {
        return String.format("SIMULATION FAILED seed=0x%x (runtime simulation)%n  %s%nreplay: mvn -pl core -am test"
                + " -Dtest=RuntimeSimulationTest -Dtandem.seed=0x%x -Dsurefire.failIfNoSpecifiedTests=false", seed,
                problem, seed);
    }

    /** One run; returns what went wrong, or null. */
    static String run(long seed, RuntimeBug bug) {
        return run(seed, bug, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("hostileSeeds")
    void registerUnderFaultsWithHostilePeers(long seed) {
        String problem = run(seed, null, true);
        if (problem != null) {
            fail(failure(seed, problem));
        }
    }

    static Stream<Long> hostileSeeds() {
        return Seeds.select(0x6057_17L).stream().limit(Integer.getInteger("tandem.runtimeSeeds", 100) / 4);
    }

    /**
     * Holders of the cluster secret that attack (issue #24): a non-member ("ghost") sends random
     * command bytes and commands in n1's session as forwarded proposals, and heartbeats and votes
     * with huge terms under its own id and under member n3's; a connection that proves member n2's
     * id (a member gone bad, or any secret holder without mutual TLS, which binds ids to
     * certificates) forwards the same junk. The cluster must stay linearizable and converge, no loop
     * may stop, and no member's term may jump to the attackers'. (A member that really is n2 can
     * still start elections of its own; that is Raft's trust model, as in etcd.)
     */
    private static void attack(RuntimeCluster c, long untilNanos) {
        io.tandem.transport.Endpoint ghostAt = new io.tandem.transport.Endpoint("sim-ghost", 6000);
        io.tandem.transport.Endpoint impostorAt = new io.tandem.transport.Endpoint("sim-impostor", 6001);
        SimNodeLoop sink = new SimNodeLoop(c.sim, 1);
        io.tandem.transport.Transport ghost = c.net.transport("ghost", ghostAt, sink);
        io.tandem.transport.Transport impostor = c.net.transport("n2", impostorAt, sink);
        ghost.start((from, m) -> { });
        impostor.start((from, m) -> { });
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (c.sim.nowNanos() >= untilNanos) {
                return;
            }
            RuntimeCluster.Member target = c.members.get(c.random.nextInt(c.members.size()));
            byte[] junk = new byte[c.random.nextInt(48)];
            c.random.nextBytes(junk);
            if (junk.length > 0 && c.random.nextBoolean()) {
                junk[0] = 1;
            }
            long n1Session = c.members.get(0).up ? c.members.get(0).runtime.sessionId() : 1;
            byte[] stolen = io.tandem.state.CommandCodec.encode(new io.tandem.state.Envelope(n1Session,
                    1_000_000 + c.random.nextInt(1_000), 0, new io.tandem.state.Command.Put("a",
                    "666".getBytes(java.nio.charset.StandardCharsets.UTF_8), -1, 0, false)));
            long term = 1_000_000 + c.random.nextInt(1_000_000);
            switch (c.random.nextInt(5)) {
                case 0 -> ghost.send(target.endpoint, new io.tandem.node.Wire.ForwardProposals(List.of(junk, stolen)));
                case 1 -> impostor.send(target.endpoint, new io.tandem.node.Wire.ForwardProposals(List.of(junk,
                        stolen)));
                case 2 -> ghost.send(target.endpoint, new io.tandem.node.Wire.TimedRaftEnvelope("sim-ghost:6000", 0, 0,
                        new io.tandem.raft.Heartbeat("ghost", target.id, term, 1_000_000, 1)));
                case 3 -> ghost.send(target.endpoint, new io.tandem.node.Wire.TimedRaftEnvelope("sim-ghost:6000", 0, 0,
                        new io.tandem.raft.Heartbeat("n3", target.id, term, 1_000_000, 1)));
                default -> ghost.send(target.endpoint, new io.tandem.node.Wire.RaftEnvelope("sim-ghost:6000",
                        new io.tandem.raft.RequestVote("ghost", target.id, term, 1_000_000, term, false, false)));
            }
            c.sim.after(c.random.nextLong(5, 50) * MS, null, next[0]);
        };
        c.sim.after(0, null, next[0]);
    }

    static String run(long seed, RuntimeBug bug, boolean hostile) {
        RuntimeCluster c = new RuntimeCluster(seed, 3);
        c.bug = bug;
        c.maxSyncDelayNanos = c.random.nextLong(1, 30) * MS; // this seed's disk: fast SSD to slow network volume
        c.startAll();
        c.sim.runFor(1_500 * MS); // formation and first sessions
        long faultsUntil = c.sim.nowNanos() + 4_000 * MS;
        List<String> keys = List.of("a", "b", "c");
        int clientId = 0;
        for (RuntimeCluster.Member m : c.members) {
            for (int i = 0; i < 2; i++) {
                c.client(clientId++, m, keys, faultsUntil + 1_000 * MS);
            }
        }
        if (hostile) {
            attack(c, faultsUntil + 1_000 * MS);
        }
        // Swarm: this seed's fault rates.
        double crashRate = c.random.nextDouble(0.0, 0.4);
        double partitionRate = c.random.nextDouble(0.0, 0.5);
        double pauseRate = c.random.nextDouble(0.0, 0.3);
        c.net.lossRate = c.random.nextDouble() < 0.3 ? c.random.nextDouble(0, 0.05) : 0;
        while (c.sim.nowNanos() < faultsUntil) {
            c.sim.runFor(c.random.nextLong(50, 400) * MS);
            RuntimeCluster.Member m = c.members.get(c.random.nextInt(c.members.size()));
            double roll = c.random.nextDouble();
            if (roll < crashRate && c.random.nextInt(4) == 0) {
                // A power failure: every node at once, each losing what it had not fsynced.
                c.members.forEach(RuntimeCluster.Member::crash);
                c.sim.runFor(c.random.nextLong(10, 300) * MS);
                for (RuntimeCluster.Member x : c.members) {
                    x.start(c.seeds());
                }
            } else if (roll < crashRate) {
                if (m.up) {
                    m.crash();
                    c.sim.runFor(c.random.nextLong(10, 600) * MS);
                    m.start(c.seeds());
                }
            } else if (roll < crashRate + partitionRate) {
                RuntimeCluster.Member other = c.members.get(c.random.nextInt(c.members.size()));
                if (other != m) {
                    c.net.partition(m.endpoint, other.endpoint);
                }
            } else if (roll < crashRate + partitionRate + pauseRate) {
                if (m.up) {
                    m.loop.pause(c.random.nextLong(50, 3_000) * MS);
                }
            } else {
                c.net.heal();
            }
            String dead = fatal(c);
            if (dead != null) {
                return dead;
            }
        }
        c.net.heal();
        c.net.lossRate = 0;
        for (RuntimeCluster.Member m : c.members) {
            if (!m.up) {
                m.start(c.seeds());
            }
        }
        c.sim.runFor(4_000 * MS); // clients finish, the cluster settles
        String dead = fatal(c);
        if (dead != null) {
            return dead;
        }
        String converged = converged(c);
        if (converged != null) {
            return converged;
        }
        for (RuntimeCluster.Member m : c.members) {
            CompletableFuture<io.tandem.node.NodeStatus> st = m.runtime.status();
            c.sim.runFor(10 * MS);
            if (st.isDone() && st.join().term() >= 1_000_000) {
                return "node " + m.id + " took term " + st.join().term() + " from a forged message";
            }
        }
        var history = c.history.history();
        long ok = history.operations().stream().filter(o -> o.status() == io.tandem.check.Operation.Status.OK).count();
        if (ok < 20) {
            return "the workload made no progress: " + ok + " of " + history.operations().size() + " calls succeeded";
        }
        Result r = LinearizabilityChecker.check(new io.tandem.check.KeyValueModel<>(), history,
                Duration.ofSeconds(20));
        if (r.verdict() == Result.Verdict.ILLEGAL) {
            return "history not linearizable: " + r.report();
        }
        return null;
    }

    private static String fatal(RuntimeCluster c) {
        if (!c.violations.isEmpty()) {
            return c.violations.get(0);
        }
        for (RuntimeCluster.Member m : c.members) {
            if (m.loop.fatal != null) {
                return "node " + m.id + "'s loop stopped: " + m.loop.fatal;
            }
        }
        return null;
    }

    /** After healing, every replica reaches the same applied state. */
    private static String converged(RuntimeCluster c) {
        // Let one more write commit everywhere so every replica applies the same last index.
        CompletableFuture<?> w = c.members.get(0).runtime.submit(new io.tandem.state.Command.Put("final",
                new byte[] {1}, io.tandem.state.Command.Put.ANY_VERSION, 0, false));
        c.sim.runFor(3_000 * MS);
        if (!w.isDone() || w.isCompletedExceptionally()) {
            return "liveness: a write on n1 did not complete within 3 s after every fault healed (" + w + ")";
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            List<CompletableFuture<byte[]>> states = new ArrayList<>();
            for (RuntimeCluster.Member m : c.members) {
                states.add(c.state(m));
            }
            c.sim.runFor(10 * MS);
            byte[] first = states.get(0).getNow(null);
            boolean same = first != null;
            for (CompletableFuture<byte[]> s : states) {
                same &= s.isDone() && java.util.Arrays.equals(first, s.getNow(null));
            }
            if (same) {
                return null;
            }
            c.sim.runFor(100 * MS);
        }
        return "replicas did not converge to identical state within 5 s after healing";
    }

    // ------------------------------------------------------------------ injected runtime bugs

    /** Runs seeds until the bug is caught; fails if the default seed count never catches it. */
    private static void caught(RuntimeBug bug) {
        List<Long> seeds = Seeds.select(0xb06_17L);
        int limit = Math.min(seeds.size(), Integer.getInteger("tandem.runtimeSeeds", 100));
        for (int i = 0; i < limit; i++) {
            String problem = run(seeds.get(i), bug);
            if (problem != null) {
                System.out.printf("injected %s caught by seed 0x%x after %d runs: %s%n", bug, seeds.get(i), i + 1,
                        problem.lines().findFirst().orElse(problem));
                return;
            }
        }
        fail("injected " + bug + " was not caught within " + limit + " seeds");
    }

    @Test
    void catchesAFollowerAcknowledgingBeforeItsFsync() {
        caught(RuntimeBug.ACK_BEFORE_FSYNC);
    }

    @Test
    void catchesACallerCompletedBeforeItsEntryApplied() {
        caught(RuntimeBug.COMPLETE_BEFORE_APPLY);
    }

    @Test
    void catchesAKeepAliveMeasuredFromTheWrongTime() {
        caught(RuntimeBug.KEEPALIVE_FROM_APPLY_TIME);
    }
}
