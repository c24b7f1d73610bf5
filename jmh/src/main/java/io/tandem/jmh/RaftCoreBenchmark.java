package io.tandem.jmh;

import io.tandem.raft.Configuration;
import io.tandem.raft.Entry;
import io.tandem.raft.HardState;
import io.tandem.raft.Message;
import io.tandem.raft.RaftConfig;
import io.tandem.raft.RaftCore;
import io.tandem.raft.Ready;
import io.tandem.raft.SnapshotMeta;
import io.tandem.raft.SnapshotSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The algorithmic ceiling: a 3-node cluster of {@link RaftCore}s in one thread, with messages
 * delivered from an in-memory queue and persistence acknowledged at once. No I/O, no threads.
 * One operation = one proposal committed on the leader (and delivered to every follower's
 * apply). {@code batch} proposals go into the log per round, as the runtime batches a loop turn.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RaftCoreBenchmark {

    static final int ROUNDS = 64;

    @Param({"1", "16", "256"})
    int batch;

    @Param({"128"})
    int payloadBytes;

    private final Map<String, RaftCore> cores = new LinkedHashMap<>();
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private RaftCore leader;
    private List<byte[]> proposals;
    private long applied;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, String> voters = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            voters.put("n" + i, "bench:" + i);
        }
        Configuration cfg = Configuration.ofVoters(voters);
        SplittableRandom seeds = new SplittableRandom(42);
        for (String id : voters.keySet()) {
            RaftConfig rc = RaftConfig.builder(id).maxInflightMessages(4096).maxUncommittedEntries(1 << 20).build();
            cores.put(id, new RaftCore(rc, seeds.split(), () -> 0L, SnapshotSource.NONE, HardState.INITIAL,
                    new SnapshotMeta(0, 0, cfg), List.of()));
        }
        while (leader == null) {
            cores.values().forEach(RaftCore::tick);
            pump();
            for (RaftCore c : cores.values()) {
                if (c.isLeader()) {
                    leader = c;
                }
            }
        }
        proposals = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            proposals.add(new byte[payloadBytes]);
        }
    }

    /** Handles every Ready the way a runtime with instant storage would, until all is quiet. */
    private void pump() {
        boolean busy = true;
        while (busy) {
            busy = false;
            for (RaftCore c : cores.values()) {
                while (c.hasReady()) {
                    busy = true;
                    Ready rd = c.ready();
                    wire.addAll(rd.messages());
                    wire.addAll(rd.persistedMessages());
                    applied += rd.committedEntries().size();
                    c.advance(rd);
                    if (!rd.entries().isEmpty()) {
                        Entry last = rd.entries().get(rd.entries().size() - 1);
                        c.onPersisted(last.index(), last.term());
                    }
                }
            }
            Message m;
            while ((m = wire.poll()) != null) {
                busy = true;
                cores.get(m.to()).step(m);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public long proposeAndCommit() {
        for (int r = 0; r < ROUNDS; r++) {
            leader.propose(proposals);
            pump();
        }
        // The runtime snapshots and compacts every snapshotEveryEntries; do the same here so the
        // in-memory log stays bounded (the snapshot itself is not part of this measurement).
        if (leader.appliedIndex() - leader.snapshotIndex() > 20_000) {
            for (RaftCore c : cores.values()) {
                c.compact(c.appliedIndex());
            }
        }
        return applied;
    }

    /** A round must commit everywhere, or the number above would measure something else. */
    @org.openjdk.jmh.annotations.TearDown(Level.Iteration)
    public void checkCommitted() {
        for (RaftCore c : cores.values()) {
            if (c.commitIndex() != leader.lastIndex() || c.appliedIndex() != leader.lastIndex()) {
                throw new IllegalStateException("not all proposals committed and applied: " + c + " vs " + leader);
            }
        }
    }
}
