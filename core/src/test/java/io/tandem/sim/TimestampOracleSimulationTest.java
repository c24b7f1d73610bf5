package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.check.TimestampChecker;
import io.tandem.raft.Configuration;
import io.tandem.raft.Entry;
import io.tandem.raft.EntryType;
import io.tandem.raft.HardState;
import io.tandem.raft.Message;
import io.tandem.raft.NotLeaderException;
import io.tandem.raft.ProposalRejectedException;
import io.tandem.raft.RaftConfig;
import io.tandem.raft.RaftCore;
import io.tandem.raft.ReadState;
import io.tandem.raft.Ready;
import io.tandem.raft.SnapshotMeta;
import io.tandem.raft.SnapshotSource;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.time.HybridClock;
import io.tandem.time.HybridTimestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The timestamp oracle on the real {@link RaftCore} and {@link StateMachine}, in virtual time:
 * three nodes with drifting tick rates and jumping wall clocks, a network that delays, reorders,
 * duplicates and drops, partitions, crashes with restarts, and leadership transfers. The oracle
 * logic mirrors {@code io.tandem.time.TimestampOracle} and {@code RaftNode.renewLeaderLease}:
 * windows reserved through the log, served only under a lease confirmed by a ReadIndex round.
 *
 * <p>Checked at the end: every timestamp a client saw is unique and strictly above every
 * timestamp returned before the call started ({@link TimestampChecker} — the test that would
 * have caught Atlasdb-on-Atomix's decreasing and duplicate timestamps after a partition). Checked
 * on every step: each node's HLC strictly increases, across its restarts too.
 *
 * <p>Seeded: {@code -Dtandem.seed=0x…} replays one run exactly; {@code -Dtandem.oracleSeeds=N}
 * sets how many run (default 40).
 */
@Execution(ExecutionMode.CONCURRENT)
class TimestampOracleSimulationTest {

    static final long TICK_US = 10_000;
    static final int ELECTION_TICKS = 10;
    /** The lease, as the runtime computes it: 80% of (election timeout - 2 ticks). */
    static final long LEASE_US = (ELECTION_TICKS - 2) * TICK_US * 4 / 5;
    static final long WINDOW = HybridTimestamp.pack(3000, 0);
    static final long FAULT_PHASE_US = 20_000_000;
    static final long END_US = 26_000_000;

    static Stream<Long> seeds() {
        String one = System.getProperty("tandem.seed");
        if (one != null && !one.isBlank()) {
            return Stream.of(Seeds.parse(one));
        }
        SplittableRandom r = new SplittableRandom(0x71de5eedL);
        return Stream.generate(r::nextLong).limit(Integer.getInteger("tandem.oracleSeeds", 40));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void oracleTimestampsStrictlyIncreaseAcrossLeaderChangesPartitionsAndCrashes(long seed) {
        Sim sim = new Sim(seed);
        String failure;
        try {
            failure = sim.run();
        } catch (RuntimeException | AssertionError e) {
            failure = e.toString();
        }
        String hex = "0x" + Long.toHexString(seed);
        assertTrue(failure == null, "SIMULATION FAILED seed=" + hex + " " + failure + "\nreplay: mvn -pl core test"
                + " -Dtest=TimestampOracleSimulationTest -Dtandem.seed=" + hex);
        long terms = sim.nodes.values().stream().mapToLong(n -> n.core.term()).max().orElse(0);
        System.out.println("oracle simulation seed=" + hex + ": " + sim.calls.size() + " timestamps checked, final term "
                + terms + ", drop rate " + Math.round(sim.dropRate * 100) + "%");
        assertTrue(sim.calls.size() > 100, "seed " + hex + ": only " + sim.calls.size() + " timestamps served;"
                + " the healed phase must make progress");
    }

    /**
     * The check must catch a broken oracle: an old leader that keeps serving after a partition
     * without a lease (what Atlasdb's timestamp service on Atomix did) must fail some seeds.
     */
    @org.junit.jupiter.api.Test
    void anOracleServingWithoutALeaseIsCaught() {
        SplittableRandom r = new SplittableRandom(0xbadL);
        int caught = 0;
        for (int i = 0; i < 20 && caught == 0; i++) {
            Sim sim = new Sim(r.nextLong());
            sim.bugServeWithoutLease = true;
            String f = sim.run();
            if (f != null) {
                System.out.println("broken oracle caught: " + f);
                caught++;
            }
        }
        assertTrue(caught > 0, "serving without a lease went unnoticed in 20 seeds");
    }

    record Event(long at, long seq, Runnable run) {
    }

    record Wrapped(long hlc, Message message) {
    }

    static final class Sim {
        final SplittableRandom rnd;
        final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Long.compare(a.seq, b.seq));
        long seq;
        long now;
        final TreeMap<String, Node> nodes = new TreeMap<>();
        final TreeSet<String> isolated = new TreeSet<>();
        final List<TimestampChecker.Call> calls = new ArrayList<>();
        final double dropRate;
        String failure;
        boolean bugServeWithoutLease;

        Sim(long seed) {
            rnd = new SplittableRandom(seed);
            dropRate = rnd.nextDouble() * 0.1;
            TreeMap<String, String> members = new TreeMap<>();
            for (int i = 1; i <= 3; i++) {
                members.put("n" + i, "host" + i + ":7000");
            }
            Configuration cfg = Configuration.ofVoters(members);
            int idx = 0;
            for (String id : members.keySet()) {
                nodes.put(id, new Node(this, id, idx++, rnd.split(), cfg));
            }
        }

        void at(long delayUs, Runnable r) {
            queue.add(new Event(now + Math.max(0, delayUs), seq++, r));
        }

        String run() {
            nodes.values().forEach(Node::boot);
            at(300_000, this::fault);
            for (int c = 0; c < 3; c++) {
                int client = c;
                at(rnd.nextLong(1000, 5000), () -> clientOp(client));
            }
            while (!queue.isEmpty() && failure == null) {
                Event e = queue.poll();
                now = e.at;
                if (now > END_US) {
                    break;
                }
                e.run.run();
            }
            if (failure != null) {
                return failure;
            }
            return TimestampChecker.check(calls);
        }

        void fail(String what) {
            if (failure == null) {
                failure = "t=" + now + "us " + what;
            }
        }

        void fault() {
            if (now > FAULT_PHASE_US) {
                isolated.clear();
                nodes.values().forEach(n -> {
                    if (!n.up) {
                        n.boot();
                    }
                });
                return;
            }
            List<Node> all = new ArrayList<>(nodes.values());
            Node n = all.get(rnd.nextInt(all.size()));
            int what = rnd.nextInt(5);
            if (what == 0 && isolated.isEmpty()) {
                String leader = currentLeader();
                String victim = leader != null && rnd.nextBoolean() ? leader : n.id;
                isolated.add(victim);
                at(rnd.nextLong(200_000, 3_000_000), () -> isolated.remove(victim));
            } else if (what == 1 && nodes.values().stream().allMatch(x -> x.up)) {
                n.crash();
                at(rnd.nextLong(50_000, 2_000_000), n::boot);
            } else if (what == 2) {
                n.wallOffsetMs += rnd.nextLong(-5000, 5000); // the wall clock jumps; ticks do not
            } else if (what == 3 && n.up && n.core.isLeader()) {
                n.transferAway();
            }
            at(rnd.nextLong(100_000, 800_000), this::fault);
        }

        String currentLeader() {
            for (Node n : nodes.values()) {
                if (n.up && n.core.isLeader()) {
                    return n.id;
                }
            }
            return null;
        }

        boolean cut(String a, String b) {
            return isolated.contains(a) != isolated.contains(b);
        }

        void send(String from, Message m, long hlc) {
            if (cut(from, m.to()) || rnd.nextDouble() < dropRate) {
                return;
            }
            int copies = rnd.nextInt(50) == 0 ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                long delay = rnd.nextInt(20) == 0 ? rnd.nextLong(20_000, 200_000) : rnd.nextLong(200, 5000);
                at(delay, () -> {
                    Node to = nodes.get(m.to());
                    if (to.up && !cut(from, m.to())) {
                        to.receive(new Wrapped(hlc, m));
                    }
                });
            }
        }

        /** One client call: served on the spot by a serving leader, or forwarded (a message each way). */
        void clientOp(int client) {
            long start = now;
            List<Node> all = new ArrayList<>(nodes.values());
            Node n = all.get(rnd.nextInt(all.size()));
            long next = rnd.nextLong(500, 4000);
            if (n.up) {
                long v = n.tryServe();
                if (v > 0) {
                    calls.add(new TimestampChecker.Call(n.id, start, now, v));
                } else if (!n.core.isLeader() && n.core.leaderId() != null) {
                    String leaderId = n.core.leaderId();
                    String asker = n.id;
                    if (!cut(asker, leaderId) && rnd.nextDouble() >= dropRate) {
                        at(rnd.nextLong(200, 5000), () -> {
                            Node leader = nodes.get(leaderId);
                            long w = leader.up && !cut(asker, leaderId) ? leader.tryServe() : 0;
                            if (w > 0 && !cut(leaderId, asker) && rnd.nextDouble() >= dropRate) {
                                at(rnd.nextLong(200, 5000), () -> calls.add(
                                        new TimestampChecker.Call(asker + "->" + leaderId, start, now, w)));
                            }
                        });
                    }
                }
            }
            at(next, () -> clientOp(client));
        }
    }

    /** What survives a crash: hard state, the log (written synchronously here), the HLC mark. */
    static final class Disk {
        HardState hardState = HardState.INITIAL;
        final List<Entry> log = new ArrayList<>();
        long hlcMark;
        int generation;
    }

    static final class Node implements SnapshotSource {
        final Sim sim;
        final String id;
        final int idx;
        final SplittableRandom random;
        final Configuration initial;
        final double tickScale;
        final Disk disk = new Disk();
        long wallOffsetMs;
        long lastHlcEver;

        boolean up;
        int incarnation;
        RaftCore core;
        StateMachine sm;
        HybridClock hlc;
        long oracleSession;
        boolean openProposedInTerm;
        long proposedOpenTerm = -1;
        long reserveSeq;
        final TreeMap<Long, Long> pendingReserve = new TreeMap<>(); // sequence -> term
        long pendingReserveTerm = -1;
        final TreeMap<Long, long[]> readRounds = new TreeMap<>(); // ctx -> {t0 mono, term}
        long nextCtx;
        long leaseTerm;
        long leaseExpiry;
        long windowTerm;
        long windowFrom;
        long windowUpTo;
        long last;

        Node(Sim sim, String id, int idx, SplittableRandom random, Configuration initial) {
            this.sim = sim;
            this.id = id;
            this.idx = idx;
            this.random = random;
            this.initial = initial;
            this.tickScale = 0.97 + random.nextDouble() * 0.06; // +-3% tick rate drift
        }

        long mono() {
            return (long) (sim.now * tickScale);
        }

        long wallMs() {
            return (long) (sim.now * tickScale) / 1000 + 1_700_000_000_000L + wallOffsetMs;
        }

        void boot() {
            up = true;
            incarnation++;
            disk.generation++;
            HybridClock.HighWaterMark mark = new HybridClock.HighWaterMark() {
                @Override
                public long load() {
                    return disk.hlcMark;
                }

                @Override
                public void store(long boundMs) {
                    disk.hlcMark = boundMs;
                }
            };
            hlc = new HybridClock(this::wallMs, 500, mark, 1000);
            sm = new StateMachine(StateMachine.Limits.DEFAULT);
            RaftConfig cfg = RaftConfig.builder(id).electionTimeoutTicks(ELECTION_TICKS).heartbeatTicks(1)
                    .preVote(true).checkQuorum(true).build();
            core = new RaftCore(cfg, random.split(), () -> HybridTimestamp.physicalOf(hlcNow()), this,
                    disk.hardState, new SnapshotMeta(0, 0, initial), new ArrayList<>(disk.log));
            oracleSession = 0;
            proposedOpenTerm = -1;
            pendingReserve.clear();
            pendingReserveTerm = -1;
            readRounds.clear();
            leaseTerm = 0;
            windowTerm = 0;
            last = 0;
            int inc = incarnation;
            scheduleTick(inc);
        }

        void crash() {
            up = false;
        }

        long hlcNow() {
            return checkHlc(hlc.now());
        }

        long checkHlc(long v) {
            if (v <= lastHlcEver) {
                sim.fail(id + ": HLC went backwards: " + HybridTimestamp.fromPacked(v) + " after "
                        + HybridTimestamp.fromPacked(lastHlcEver));
            }
            lastHlcEver = v;
            return v;
        }

        void scheduleTick(int inc) {
            sim.at(Math.round(TICK_US / tickScale), () -> {
                if (up && incarnation == inc) {
                    core.tick();
                    if (core.isLeader()) {
                        leaderDuties();
                    }
                    processReady();
                    if (sim.rnd.nextInt(25) == 0) {
                        hlc.maintain();
                    }
                    scheduleTick(inc);
                }
            });
        }

        void receive(Wrapped w) {
            checkHlc(hlc.update(w.hlc()));
            core.step(w.message());
            processReady();
        }

        void transferAway() {
            String target = null;
            for (String v : core.configuration().voters().keySet()) {
                if (!v.equals(id) && (target == null || core.matchIndex(v) > core.matchIndex(target))) {
                    target = v;
                }
            }
            leaseTerm = 0; // like RaftNode.transferLeadershipAway: the target may win at once
            core.transferLeadership(target);
            processReady();
        }

        void leaderDuties() {
            long term = core.term();
            if (!(leaseTerm == term && mono() + LEASE_US / 2 < leaseExpiry) && !core.isTransferringLeadership()) {
                long ctx = ++nextCtx;
                readRounds.put(ctx, new long[] {mono(), term});
                core.readIndex(ctx);
            }
            try {
                if (oracleSession == 0 && proposedOpenTerm != term) {
                    proposedOpenTerm = term;
                    core.propose(List.of(CommandCodec.encode(new Envelope(0, 0, 0,
                            new Command.OpenSession("oracle", 3_600_000, 1)))));
                } else if (oracleSession != 0 && pendingReserveTerm != term
                        && (windowTerm != term || windowUpTo - last < WINDOW / 2)) {
                    long base = Math.max(Math.max(sm.timestampWindowMax(), last),
                            HybridTimestamp.pack(hlc.physicalMillis(), 0));
                    long seqNo = ((long) disk.generation * 1_000_000 + ++reserveSeq) * 8 + idx;
                    pendingReserve.put(seqNo, term);
                    pendingReserveTerm = term;
                    core.propose(List.of(CommandCodec.encode(new Envelope(oracleSession, seqNo, 0,
                            new Command.ReserveTimestampWindow(base + WINDOW)))));
                }
            } catch (ProposalRejectedException | NotLeaderException e) {
                pendingReserveTerm = -1;
            }
        }

        long tryServe() {
            if (sim.bugServeWithoutLease) {
                if (windowTerm == 0 || !core.isLeader()) {
                    return 0;
                }
            } else if (windowTerm == 0 || leaseTerm != windowTerm || mono() >= leaseExpiry) {
                return 0;
            }
            long first = Math.max(Math.max(last + 1, HybridTimestamp.pack(hlc.physicalMillis(), 0)), windowFrom);
            if (first > windowUpTo) {
                return 0;
            }
            last = first;
            return first;
        }

        void processReady() {
            while (up && core.hasReady()) {
                Ready rd = core.ready();
                if (rd.hardState() != null) {
                    disk.hardState = rd.hardState();
                }
                if (core.isTransferringLeadership()) {
                    leaseTerm = 0;
                }
                for (Message m : rd.messages()) {
                    sim.send(id, m, hlcNow());
                }
                if (!rd.entries().isEmpty()) {
                    long first = rd.entries().get(0).index();
                    while (!disk.log.isEmpty() && disk.log.get(disk.log.size() - 1).index() >= first) {
                        disk.log.remove(disk.log.size() - 1);
                    }
                    disk.log.addAll(rd.entries());
                }
                for (Message m : rd.persistedMessages()) {
                    sim.send(id, m, hlcNow());
                }
                apply(rd.committedEntries());
                for (ReadState rs : rd.readStates()) {
                    long[] round = readRounds.remove(rs.context());
                    if (round != null && core.isLeader() && core.term() == round[1]
                            && !core.isTransferringLeadership()) {
                        if (leaseTerm != round[1] || leaseExpiry < round[0] + LEASE_US) {
                            leaseTerm = round[1];
                            leaseExpiry = round[0] + LEASE_US;
                        }
                    }
                }
                for (long ctx : rd.readFailures()) {
                    readRounds.remove(ctx);
                }
                core.advance(rd);
                if (!rd.entries().isEmpty()) {
                    Entry lastEntry = rd.entries().get(rd.entries().size() - 1);
                    core.onPersisted(lastEntry.index(), lastEntry.term());
                }
            }
            if (leaseTerm != 0 && (!core.isLeader() || core.term() != leaseTerm || core.isTransferringLeadership())) {
                leaseTerm = 0;
            }
        }

        void apply(List<Entry> committed) {
            for (Entry e : committed) {
                if (e.type() != EntryType.NORMAL) {
                    sm.advance(e.index(), e.timestamp());
                    continue;
                }
                Envelope env = CommandCodec.decode(e.payload());
                CommandResult r = sm.apply(e.index(), e.timestamp(), env);
                if (env.command() instanceof Command.OpenSession o && o.nodeId().equals("oracle")
                        && r instanceof CommandResult.SessionOpened so && oracleSession == 0) {
                    oracleSession = so.sessionId();
                }
                Long term = env.sessionId() == oracleSession ? pendingReserve.remove(env.sequence()) : null;
                if (term != null) {
                    pendingReserveTerm = -1;
                    if (r instanceof CommandResult.TimestampWindow tw && !tw.isEmpty() && core.isLeader()
                            && core.term() == term) {
                        windowTerm = term;
                        windowFrom = tw.from();
                        windowUpTo = tw.upTo();
                    }
                }
            }
        }

        @Override
        public long snapshotSize(long index) {
            return -1;
        }

        @Override
        public byte[] readSnapshotChunk(long index, long offset, int maxBytes) {
            throw new IllegalStateException("no snapshots in this simulation");
        }
    }
}
