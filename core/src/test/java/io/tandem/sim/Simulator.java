package io.tandem.sim;

import io.tandem.TandemException;
import io.tandem.raft.ConfChange;
import io.tandem.raft.Configuration;
import io.tandem.raft.Entry;
import io.tandem.raft.EntryType;
import io.tandem.raft.HardState;
import io.tandem.raft.Message;
import io.tandem.raft.RaftConfig;
import io.tandem.raft.RaftCore;
import io.tandem.raft.ReadState;
import io.tandem.raft.Ready;
import io.tandem.raft.Role;
import io.tandem.raft.SnapshotChunk;
import io.tandem.raft.SnapshotMeta;
import io.tandem.raft.SnapshotSource;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A whole Raft cluster in one thread: a virtual clock, a simulated network (drop, duplicate,
 * delay and reorder, symmetric and asymmetric partitions, swizzle-clogging), simulated disks
 * (a crash loses unsynced writes and may tear the last one), crash/restart, clock drift and
 * jumps, membership changes, leadership transfers, snapshots — and clients that retry.
 *
 * <p>One seed decides everything: topology, workload, fault <em>rates</em> (swarm testing,
 * TigerBeetle's VOPR) and every individual fault. Invariants are checked after every event;
 * client histories are checked for linearizability at the end.
 */
public final class Simulator {

    /** What to run; {@link #fromSeed} derives the fault mix and the Raft settings from the seed. */
    public record Options(long seed, int nodes, long safetyMs, long livenessMs, double dropRate,
                          double duplicateRate, int maxDelayMs, boolean partitions, boolean crashes,
                          boolean stormy, boolean membership, boolean transfers, boolean clockJumps,
                          int snapshotEvery, int maxFsyncMs, boolean preVote, boolean checkQuorum,
                          int electionTicks, int heartbeatTicks, long maxBytesPerAppend, int clients, int keys,
                          List<RaftConfig.InjectedBug> bugs, String replayTest, boolean hostileMix) {

        /** Swarm testing: each seed draws its own mix, so rare combinations get their turn. */
        public static Options fromSeed(long seed, int nodes, String replayTest) {
            SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
            int election = 5 + r.nextInt(16);
            Options o = new Options(seed, nodes, 6_000 + r.nextInt(6_000), 12_000,
                    r.nextInt(4) == 0 ? 0 : r.nextDouble() * 0.08,
                    r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.05,
                    2 + r.nextInt(r.nextBoolean() ? 10 : 40),
                    r.nextInt(5) != 0, r.nextInt(4) != 0, r.nextInt(3) == 0, r.nextInt(3) == 0, r.nextInt(3) == 0,
                    r.nextBoolean(), r.nextBoolean() ? 10 + r.nextInt(40) : 200 + r.nextInt(200),
                    r.nextBoolean() ? 4 : 10 + r.nextInt(60),
                    r.nextInt(10) < 7, r.nextInt(10) < 7, election, 1 + r.nextInt(Math.min(3, election / 3)),
                    r.nextBoolean() ? 1 : 2048, 2 + r.nextInt(3), 1 + r.nextInt(3), List.of(), replayTest, false);
            // Removed servers keep running here. With neither PreVote nor CheckQuorum (so no leader
            // stickiness in this etcd-style core) such a server deposes leader after leader
            // (dissertation §4.2.3): vanilla Raft's known weakness, not a supported setting, so
            // seeds with membership changes keep at least CheckQuorum.
            if (o.membership() && !o.preVote() && !o.checkQuorum()) {
                o = new Options(o.seed(), o.nodes(), o.safetyMs(), o.livenessMs(), o.dropRate(), o.duplicateRate(),
                        o.maxDelayMs(), o.partitions(), o.crashes(), o.stormy(), o.membership(), o.transfers(),
                        o.clockJumps(), o.snapshotEvery(), o.maxFsyncMs(), false, true, o.electionTicks(),
                        o.heartbeatTicks(), o.maxBytesPerAppend(), o.clients(), o.keys(), o.bugs(), o.replayTest(), o.hostileMix());
            }
            return o;
        }

        public Options withBugs(List<RaftConfig.InjectedBug> b) {
            return new Options(seed, nodes, safetyMs, livenessMs, dropRate, duplicateRate, maxDelayMs, partitions,
                    crashes, stormy, membership, transfers, clockJumps, snapshotEvery, maxFsyncMs, preVote,
                    checkQuorum, electionTicks, heartbeatTicks, maxBytesPerAppend, clients, keys, b, replayTest, hostileMix);
        }

        /**
         * The same seed with the harshest fault mix on: frequent crashes (the leader most of all)
         * with quick restarts, partitions, and one entry per AppendEntries so that a leader dies
         * between replicating an entry and its successor. Used to hunt injected bugs.
         */
        public Options hostile() {
            return new Options(seed, nodes, safetyMs, livenessMs, dropRate, duplicateRate, maxDelayMs, true, true,
                    true, membership, transfers, clockJumps, snapshotEvery, maxFsyncMs, preVote, checkQuorum,
                    electionTicks, heartbeatTicks, (seed & 1) == 0 ? 1 : maxBytesPerAppend, clients, keys, bugs,
                    replayTest, true);
        }

        /** One entry per AppendEntries, so a leader can die between an entry and the next. */
        public Options withSingleEntryAppends() {
            return new Options(seed, nodes, safetyMs, livenessMs, dropRate, duplicateRate, maxDelayMs, partitions,
                    crashes, stormy, membership, transfers, clockJumps, snapshotEvery, maxFsyncMs, preVote,
                    checkQuorum, electionTicks, heartbeatTicks, 1, clients, keys, bugs, replayTest, hostileMix);
        }

        public Options withPhases(long safety, long liveness) {
            return new Options(seed, nodes, safety, liveness, dropRate, duplicateRate, maxDelayMs, partitions,
                    crashes, stormy, membership, transfers, clockJumps, snapshotEvery, maxFsyncMs, preVote,
                    checkQuorum, electionTicks, heartbeatTicks, maxBytesPerAppend, clients, keys, bugs, replayTest, hostileMix);
        }
    }

    static final int TICK_MS = 10;
    static final int CLIENT_TIMEOUT_MS = 400;
    static final int MAX_QUEUED_EVENTS = 200_000;
    static final long SESSION_TIMEOUT_MS = 600_000;
    static final long LOCK_SESSION_TIMEOUT_MS = 1_500;
    /** A short watch history keeps snapshots small enough to stream in the liveness window. */
    static final StateMachine.Limits SIM_LIMITS = new StateMachine.Limits(1024, 1 << 20, 200, 10_000, 1_000, 3_600_000);

    private record Event(long time, long seq, Runnable action) {
    }

    private final Options opt;
    private final SplittableRandom rnd;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
            a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long now;
    private long eventSeq;
    private long steps;

    // Network.
    private final TreeSet<String> blocked = new TreeSet<>();
    private double dropRate;
    private double duplicateRate;

    // Nodes.
    private final TreeMap<String, SimNode> nodes = new TreeMap<>();
    private final Configuration bootstrap;
    private int nextSpare;

    // Clients and history.
    private final List<SimClient> clients = new ArrayList<>();
    private final List<HistoryOp> history = new ArrayList<>();
    private boolean clientsRunning = true;
    private boolean staleReads;
    private long healTime = -1;

    // Invariant state.
    private final HashMap<Long, LockChecks.Grant> agreedGrants = new HashMap<>();
    private final List<ApplyHook> applyHooks = new ArrayList<>();
    private final TreeMap<Long, String> leaderByTerm = new TreeMap<>();
    private final HashMap<Long, Entry> committed = new HashMap<>();
    private long maxCommitted;
    private final HashMap<Long, Entry> appliedEntries = new HashMap<>();
    private final HashMap<Long, HashMap<Long, Entry>> byIndexTerm = new HashMap<>();
    private long maxTermSeen;

    public Simulator(Options opt) {
        this.opt = opt;
        this.rnd = new SplittableRandom(opt.seed());
        this.dropRate = opt.dropRate();
        this.duplicateRate = opt.duplicateRate();
        LinkedHashMap<String, String> voters = new LinkedHashMap<>();
        for (int i = 1; i <= opt.nodes(); i++) {
            voters.put("n" + i, "sim:" + i);
        }
        bootstrap = Configuration.ofVoters(voters);
        nextSpare = opt.nodes() + 1;
    }

    // ------------------------------------------------------------------ running

    /** Runs the safety phase then the liveness phase; throws {@link SimulationFailure} on any violation. */
    public Result run() {
        for (String id : bootstrap.voters().keySet()) {
            SimNode n = new SimNode(id, rnd.split());
            nodes.put(id, n);
            n.start(bootstrap);
        }
        for (int c = 0; c < opt.clients(); c++) {
            SimClient client = new SimClient(c);
            clients.add(client);
            schedule(rnd.nextInt(50), client::nextOp);
        }
        if (tasks != null) {
            tasks.start(List.copyOf(nodes.keySet()));
        }
        scheduleNemesis(500 + rnd.nextInt(500));
        runUntil(opt.safetyMs());
        heal();
        runUntil(opt.safetyMs() + opt.livenessMs() * 7 / 10);
        clientsRunning = false;
        runUntil(opt.safetyMs() + opt.livenessMs());
        checkLiveness();
        checkLogMatching();
        checkStateConvergence();
        if (tasks != null) {
            tasks.checkEnd();
        }
        for (SimClient c : clients) {
            c.abandon();
        }
        return new Result(List.copyOf(history), steps, leaderByTerm.size());
    }

    /** What a run produced, for the linearizability check and for reporting. */
    public record Result(List<HistoryOp> history, long steps, int terms) {
    }

    private void runUntil(long endMs) {
        while (!queue.isEmpty() && queue.peek().time() <= endMs) {
            Event e = queue.poll();
            now = e.time();
            steps++;
            try {
                e.action().run();
            } catch (RuntimeException ex) {
                SimulationFailure f = fail("UnexpectedException", ex.toString());
                f.initCause(ex);
                throw f;
            }
            checkStepInvariants();
            for (Consumer<Simulator> hook : List.copyOf(afterEvent)) {
                hook.accept(this);
            }
            if (queue.size() > MAX_QUEUED_EVENTS) {
                throw fail("EventStorm", queue.size() + " events queued: messages multiply without bound; nodes: "
                        + describeNodes() + " sent: " + sentByKind);
            }
            if (steps % 500 == 0) {
                checkLogMatching();
            }
        }
        now = endMs;
    }

    private void schedule(long delayMs, Runnable action) {
        queue.add(new Event(now + delayMs, eventSeq++, action));
    }

    private SimulationFailure fail(String invariant, String detail) {
        return new SimulationFailure(invariant, opt.seed(), opt.nodes(), steps, now, detail, opt.replayTest());
    }

    // ------------------------------------------------------------------ network

    private final TreeMap<String, Long> sentByKind = new TreeMap<>();

    private final HashMap<String, String> votesGranted = new HashMap<>();

    /** §5.2: each server votes for at most one candidate in a given term — observed on the wire. */
    private void checkVoteOnce(Message m) {
        if (m instanceof io.tandem.raft.RequestVoteResponse r && r.granted() && !r.preVote()) {
            String prev = votesGranted.putIfAbsent(r.from() + "@" + r.term(), r.to());
            if (prev != null && !prev.equals(r.to())) {
                throw fail("VoteOnce", r.from() + " voted for " + prev + " and for " + r.to() + " in term " + r.term());
            }
        }
    }

    private void send(Message m) {
        checkVoteOnce(m);
        sentByKind.merge(m.kind() + " " + m.from() + ">" + m.to(), 1L, Long::sum);
        if (rnd.nextDouble() < dropRate || isBlocked(m.from(), m.to())) {
            return;
        }
        deliverLater(m);
        if (rnd.nextDouble() < duplicateRate) {
            deliverLater(m);
        }
    }

    private void deliverLater(Message m) {
        int delay = 1 + rnd.nextInt(opt.maxDelayMs());
        if (rnd.nextInt(100) == 0) {
            delay += rnd.nextInt(200); // an occasional straggler reorders messages
        }
        schedule(delay, () -> {
            SimNode to = nodes.get(m.to());
            if (to != null && to.up && !isBlocked(m.from(), m.to())) {
                for (java.util.function.BiConsumer<String, Message> hook : deliveryHooks) {
                    hook.accept(m.to(), m);
                }
                to.receive(m);
            }
        });
    }

    private boolean isBlocked(String from, String to) {
        return blocked.contains(from + ">" + to);
    }

    private void block(String from, String to) {
        blocked.add(from + ">" + to);
    }

    // ------------------------------------------------------------------ nemesis

    private void scheduleNemesis(long delay) {
        schedule(delay, () -> {
            if (now >= opt.safetyMs()) {
                return;
            }
            nemesisStep();
            scheduleNemesis(opt.stormy() ? 30 + rnd.nextInt(300) : 200 + rnd.nextInt(1300));
        });
    }

    private void nemesisStep() {
        // The hostile mix spends most of its steps killing leaders: Figure 8 needs two leaders to
        // die between replicating an entry and the entry after it.
        int choice = opt.hostileMix() && rnd.nextBoolean() ? 4 : rnd.nextInt(10);
        List<String> up = upNodes();
        if (choice < 3 && opt.partitions()) {
            partition(up);
        } else if (choice == 3 && opt.partitions()) {
            blocked.clear();
        } else if (choice < 6 && opt.crashes() && !up.isEmpty()) {
            SimNode leader = currentLeader();
            int leaderOdds = opt.stormy() ? 2 : 1;
            SimNode victim = leader != null && rnd.nextInt(3) < leaderOdds ? leader
                    : nodes.get(up.get(rnd.nextInt(up.size())));
            crashAndRestart(victim);
            if (opt.stormy() && rnd.nextInt(3) == 0 && up.size() > 1) {
                crashAndRestart(nodes.get(up.get(rnd.nextInt(up.size()))));
            }
        } else if (choice == 6 && opt.membership()) {
            membershipStep();
        } else if (choice == 7 && opt.transfers()) {
            SimNode leader = currentLeader();
            if (leader != null) {
                List<String> voters = new ArrayList<>(leader.core.configuration().voters().keySet());
                String target = voters.get(rnd.nextInt(voters.size()));
                try {
                    leader.core.transferLeadership(target);
                } catch (TandemException e) {
                    // not possible right now; the nemesis tries something else later
                }
                leader.processReady();
            }
        } else if (choice == 8 && opt.clockJumps() && !up.isEmpty()) {
            SimNode n = nodes.get(up.get(rnd.nextInt(up.size())));
            n.clockOffsetMs += rnd.nextInt(20_000) - 10_000;
        } else if (choice == 9 && opt.partitions()) {
            swizzle(up);
        }
    }

    private void crashAndRestart(SimNode victim) {
        if (!victim.up) {
            return;
        }
        victim.crash();
        schedule(opt.stormy() ? 10 + rnd.nextInt(300) : 100 + rnd.nextInt(2000), () -> {
            if (!victim.up && !victim.retired) {
                victim.restart();
            }
        });
    }

    private void partition(List<String> up) {
        blocked.clear();
        if (up.size() < 2) {
            return;
        }
        List<String> all = new ArrayList<>(nodes.keySet());
        int kind = rnd.nextInt(4);
        if (kind == 0) { // random halves
            TreeSet<String> side = new TreeSet<>();
            for (String n : all) {
                if (rnd.nextBoolean()) {
                    side.add(n);
                }
            }
            for (String a : all) {
                for (String b : all) {
                    if (side.contains(a) != side.contains(b)) {
                        block(a, b);
                    }
                }
            }
        } else if (kind == 1) { // isolate one node, often the leader
            SimNode leader = currentLeader();
            String victim = leader != null && rnd.nextBoolean() ? leader.id : all.get(rnd.nextInt(all.size()));
            for (String b : all) {
                if (!b.equals(victim)) {
                    block(victim, b);
                    block(b, victim);
                }
            }
        } else if (kind == 2) { // asymmetric: some links one way only
            for (String a : all) {
                for (String b : all) {
                    if (!a.equals(b) && rnd.nextInt(4) == 0) {
                        block(a, b);
                    }
                }
            }
        } else { // bridge: two halves that both see one node
            String bridge = all.get(rnd.nextInt(all.size()));
            TreeSet<String> side = new TreeSet<>();
            for (String n : all) {
                if (!n.equals(bridge) && rnd.nextBoolean()) {
                    side.add(n);
                }
            }
            for (String a : all) {
                for (String b : all) {
                    if (!a.equals(bridge) && !b.equals(bridge) && side.contains(a) != side.contains(b)) {
                        block(a, b);
                    }
                }
            }
        }
    }

    /** FoundationDB's swizzle-clog: clog nodes one by one, then unclog them in reverse order. */
    private void swizzle(List<String> up) {
        if (up.isEmpty()) {
            return;
        }
        List<String> order = new ArrayList<>(up);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            String t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        int n = 1 + rnd.nextInt(Math.max(1, order.size()));
        List<String> all = new ArrayList<>(nodes.keySet());
        for (int i = 0; i < n; i++) {
            String victim = order.get(i);
            schedule(i * 50L, () -> all.forEach(o -> {
                if (!o.equals(victim)) {
                    block(victim, o);
                    block(o, victim);
                }
            }));
            schedule(600 + (n - i) * 50L, () -> blocked.removeIf(l -> l.startsWith(victim + ">") || l.endsWith(">" + victim)));
        }
    }

    private void membershipStep() {
        SimNode leader = currentLeader();
        if (leader == null) {
            return;
        }
        Configuration cfg = leader.core.configuration();
        try {
            int action = rnd.nextInt(3);
            if (action == 0 && cfg.learners().isEmpty() && nodes.size() < opt.nodes() + 4) {
                String id = "n" + nextSpare++;
                SimNode joiner = new SimNode(id, rnd.split());
                nodes.put(id, joiner);
                joiner.start(Configuration.EMPTY);
                leader.core.proposeConfChange(ConfChange.addLearner(id, "sim:" + id));
            } else if (action == 1 && !cfg.learners().isEmpty()) {
                leader.core.proposeConfChange(ConfChange.promote(cfg.learners().firstKey()));
            } else if (action == 2 && cfg.voters().size() > opt.nodes()) {
                List<String> voters = new ArrayList<>(cfg.voters().keySet());
                String victim = voters.get(rnd.nextInt(voters.size()));
                leader.core.proposeConfChange(ConfChange.remove(victim));
            }
        } catch (TandemException e) {
            // refused (change pending, learner behind, not yet committed in term): try later
        }
        leader.processReady();
    }

    private void heal() {
        healTime = now;
        blocked.clear();
        dropRate = 0;
        duplicateRate = 0;
        for (SimNode n : nodes.values()) {
            if (tasks != null) {
                // Healing corrects clocks too, as NTP would: task leases, back-offs and delays wait
                // for entry time, which a leader's clock left far behind would freeze past the end.
                n.clockOffsetMs = 0;
            }
            if (!n.up && !n.retired) {
                n.restart();
            }
        }
    }

    // ------------------------------------------------------------------ invariants

    private void checkStepInvariants() {
        for (SimNode n : nodes.values()) {
            if (!n.up) {
                continue;
            }
            RaftCore c = n.core;
            maxTermSeen = Math.max(maxTermSeen, c.term());
            if (c.commitIndex() < n.lastCommitSeen) {
                throw fail("CommitMonotonic", n.id + " commit went from " + n.lastCommitSeen + " to " + c.commitIndex());
            }
            recordCommitted(n);
            if (c.role() == Role.LEADER) {
                String prev = leaderByTerm.putIfAbsent(c.term(), n.id);
                if (prev != null && !prev.equals(n.id)) {
                    throw fail("ElectionSafety", "term " + c.term() + " has two leaders: " + prev + " and " + n.id);
                }
                if (n.leaderCheckedTerm != c.term()) {
                    n.leaderCheckedTerm = c.term();
                    checkLeaderCompleteness(n);
                }
            }
        }
    }

    private void recordCommitted(SimNode n) {
        RaftCore c = n.core;
        for (long i = Math.max(n.lastCommitSeen, c.compactedIndex()) + 1; i <= c.commitIndex(); i++) {
            Entry e = c.entryAt(i);
            if (e == null) {
                continue;
            }
            Entry prev = committed.putIfAbsent(i, e);
            if (prev != null && !prev.equals(e)) {
                throw fail("StateMachineSafety", n.id + " committed " + e + " at index " + i + " but " + prev
                        + " was committed there before");
            }
            maxCommitted = Math.max(maxCommitted, i);
        }
        n.lastCommitSeen = c.commitIndex();
    }

    private void checkLeaderCompleteness(SimNode n) {
        RaftCore c = n.core;
        for (long i = c.compactedIndex() + 1; i <= maxCommitted; i++) {
            Entry want = committed.get(i);
            if (want == null) {
                continue;
            }
            Entry have = c.entryAt(i);
            if (!want.equals(have)) {
                throw fail("LeaderCompleteness", n.id + " became leader of term " + c.term() + " without committed "
                        + want + " (has " + have + ", last index " + c.lastIndex() + ")");
            }
        }
    }

    private void checkEntriesUnique(String node, List<Entry> entries) {
        for (Entry e : entries) {
            Entry prev = byIndexTerm.computeIfAbsent(e.index(), k -> new HashMap<>()).putIfAbsent(e.term(), e);
            if (prev != null && !prev.equals(e)) {
                throw fail("LogMatching", node + " holds " + e + " but another log holds " + prev
                        + " with the same index and term");
            }
        }
    }

    private void checkApplied(SimNode n, Entry e) {
        Entry prev = appliedEntries.putIfAbsent(e.index(), e);
        if (prev != null && !prev.equals(e)) {
            throw fail("AppliedPrefix", n.id + " applied " + e + " at index " + e.index() + " but another node applied "
                    + prev);
        }
    }

    /** §5.3 Log Matching, pairwise: if two logs agree on an entry's term, they agree on everything before it. */
    private void checkLogMatching() {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (n.up) {
                up.add(n);
            }
        }
        for (int a = 0; a < up.size(); a++) {
            for (int b = a + 1; b < up.size(); b++) {
                RaftCore x = up.get(a).core;
                RaftCore y = up.get(b).core;
                long lo = Math.max(x.compactedIndex(), y.compactedIndex()) + 1;
                long hi = Math.min(x.lastIndex(), y.lastIndex());
                long i = hi;
                while (i >= lo && x.termAt(i) != y.termAt(i)) {
                    i--;
                }
                for (; i >= lo; i--) {
                    if (!x.entryAt(i).equals(y.entryAt(i))) {
                        throw fail("LogMatching", x.id() + " and " + y.id() + " differ at index " + i + ": "
                                + x.entryAt(i) + " vs " + y.entryAt(i));
                    }
                }
            }
        }
    }

    private void checkLiveness() {
        SimNode leader = currentLeader();
        if (leader == null) {
            throw fail("Liveness", "no leader " + opt.livenessMs() + "ms after healing; nodes: " + describeNodes());
        }
        Configuration cfg = leader.core.configuration();
        for (String member : cfg.members()) {
            SimNode n = nodes.get(member);
            if (n == null || !n.up) {
                throw fail("Liveness", "member " + member + " is not running after healing");
            }
            if (n.lastApplied < leader.core.commitIndex()) {
                throw fail("Liveness", "member " + member + " applied " + n.lastApplied + " < leader commit "
                        + leader.core.commitIndex() + " after healing; nodes: " + describeNodes());
            }
        }
        for (SimClient c : clients) {
            if (c.lastCompletedInvoke < healTime) {
                throw fail("Liveness", "client " + c.id + " completed no operation invoked after healing at " + healTime
                        + "ms; nodes: " + describeNodes());
            }
        }
    }

    /** Every node's role, term, commit and configuration, for failure messages. */
    public String describe() {
        return describeNodes();
    }

    private String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : nodes.values()) {
            sb.append(n.up ? n.core.toString() + n.core.configuration().voters().keySet() + "/"
                    + n.core.configuration().learners().keySet() : n.id + "(down)").append(' ');
        }
        return sb.toString();
    }

    private SimNode currentLeader() {
        SimNode best = null;
        for (SimNode n : nodes.values()) {
            if (n.up && n.core.isLeader() && (best == null || n.core.term() > best.core.term())) {
                best = n;
            }
        }
        return best;
    }

    private List<String> upNodes() {
        List<String> up = new ArrayList<>();
        nodes.forEach((id, n) -> {
            if (n.up) {
                up.add(id);
            }
        });
        return up;
    }

    // ------------------------------------------------------------------ nodes

    /** A request from a client, as the node holds it until it can answer. */
    /** {@code envelope} is null for a read of {@code readKey}. */
    /** Receives the answer to a request sent to a node (a client, or a task agent). */
    interface Replier {
        void onReply(long replySeq, long replyAttempt, String kind, Object value, String from);
    }

    private record Request(Replier client, long seq, long attempt, Envelope envelope, String readKey) {

        String pendingKey() {
            return pendingKeyOf(envelope);
        }
    }

    private static String pendingKeyOf(Envelope e) {
        return e.command() instanceof Command.OpenSession o ? "open:" + o.nonce() : e.sessionId() + ":" + e.sequence();
    }

    private final class SimNode implements SnapshotSource {
        final String id;
        final SplittableRandom random;
        final SimDisk disk = new SimDisk();
        double tickScale;
        long clockOffsetMs;
        boolean up;
        boolean retired;
        int incarnation;
        RaftCore core;
        StateMachine kv;
        LockChecks lockChecks;
        long lastApplied;
        long lastSnapshotIndex;
        long lastCommitSeen;
        long leaderCheckedTerm = -1;
        boolean fsyncInFlight;
        final ArrayDeque<Object[]> waitingForSync = new ArrayDeque<>();
        final TreeMap<String, Request> writes = new TreeMap<>();
        final TreeMap<Long, Request> reads = new TreeMap<>();
        final TreeMap<Long, Long> readIndexes = new TreeMap<>();
        long nextReadContext;
        Configuration initial;

        SimNode(String id, SplittableRandom random) {
            this.id = id;
            this.random = random;
            this.tickScale = 0.95 + random.nextDouble() * 0.1; // ±5% clock drift
        }

        void start(Configuration initialConfig) {
            this.initial = initialConfig;
            boot();
        }

        private void boot() {
            incarnation++;
            up = true;
            RaftConfig.Builder b = RaftConfig.builder(id).electionTimeoutTicks(opt.electionTicks())
                    .heartbeatTicks(opt.heartbeatTicks()).preVote(opt.preVote()).checkQuorum(opt.checkQuorum())
                    .compactionTrailingEntries(trailingEntries()).maxBytesPerAppend(opt.maxBytesPerAppend()).maxInflightMessages(8).maxInflightBytes(16 * 1024)
                    .snapshotChunkBytes(256 + random.nextInt(4096)).learnerCatchUpMaxLagEntries(20);
            for (RaftConfig.InjectedBug bug : opt.bugs()) {
                b.injectBugForTesting(bug);
            }
            SnapshotMeta base = disk.snapshotMeta != null ? disk.snapshotMeta : new SnapshotMeta(0, 0, initial);
            kv = withScheduleBug(restoreState(disk.snapshotData));
            lockChecks = new LockChecks(id, kv, agreedGrants, Simulator.this::fail, Simulator.this::observeGrant);
            if (tasks != null) {
                tasks.attach(id, kv, lockChecks);
            }
            core = new RaftCore(b.build(), random.split(), () -> (long) (now * tickScale) + clockOffsetMs, this,
                    disk.hardState, base, disk.entriesAfterSnapshot());
            lastApplied = base.index();
            lastSnapshotIndex = base.index();
            lastCommitSeen = core.commitIndex();
            leaderCheckedTerm = -1;
            fsyncInFlight = false;
            scheduleTick();
        }

        /** Tests of the checkers: the replica's cron schedules misbehave as {@link #withScheduleBug} says. */
        private StateMachine withScheduleBug(StateMachine sm) {
            if (scheduleBug != null) {
                sm.injectScheduleBugForTesting(scheduleBug, () -> (long) (now * tickScale) + clockOffsetMs);
            }
            return sm;
        }

        void crash() {
            up = false;
            if (tasks != null) {
                tasks.nodeCrashed(id);
            }
            disk.crash(random);
            waitingForSync.clear();
            writes.clear();
            reads.clear();
            readIndexes.clear();
        }

        void restart() {
            boot();
            if (tasks != null) {
                tasks.nodeStarted(id);
            }
        }

        private void scheduleTick() {
            int inc = incarnation;
            schedule(Math.max(1, Math.round(TICK_MS * tickScale)), () -> {
                if (up && incarnation == inc) {
                    core.tick();
                    processReady();
                    scheduleTick();
                }
            });
        }

        void receive(Message m) {
            core.step(m);
            processReady();
        }

        void processReady() {
            while (up && core.hasReady()) {
                Ready rd = core.ready();
                handle(rd);
                core.advance(rd);
                maybeSnapshot();
            }
        }

        private void handle(Ready rd) {
            if (rd.hardState() != null) {
                disk.hardState = rd.hardState();
            }
            rd.messages().forEach(Simulator.this::send);
            if (!rd.entries().isEmpty()) {
                checkEntriesUnique(id, rd.entries());
                disk.write(rd.entries());
                startSync();
            }
            boolean doneChunk = false;
            for (SnapshotChunk ch : rd.snapshotChunks()) {
                disk.receiveChunk(ch.index(), ch.offset(), ch.data());
                doneChunk |= ch.done();
            }
            if (rd.snapshot() != null) {
                disk.installReceived(rd.snapshot());
                kv = withScheduleBug(restoreState(disk.snapshotData));
                lockChecks = new LockChecks(id, kv, agreedGrants, Simulator.this::fail, Simulator.this::observeGrant);
                if (tasks != null) {
                    tasks.attach(id, kv, lockChecks);
                }
                lastApplied = rd.snapshot().index();
                lastSnapshotIndex = rd.snapshot().index();
            } else if (doneChunk) {
                disk.discardReceived();
            }
            for (Message m : rd.persistedMessages()) {
                if (disk.durableOpSeq() >= disk.lastOpSeq()) {
                    send(m);
                } else {
                    waitingForSync.add(new Object[] {disk.lastOpSeq(), m});
                }
            }
            for (Entry e : rd.committedEntries()) {
                apply(e);
            }
            for (ReadState rs : rd.readStates()) {
                readIndexes.put(rs.context(), rs.index());
            }
            for (long ctx : rd.readFailures()) {
                Request r = reads.remove(ctx);
                readIndexes.remove(ctx);
                if (r != null) {
                    reply(r, "fail", null);
                }
            }
            serveReads();
        }

        private void startSync() {
            if (fsyncInFlight || !disk.hasPending()) {
                return;
            }
            fsyncInFlight = true;
            long target = disk.lastOpSeq();
            int inc = incarnation;
            schedule(1 + random.nextInt(opt.maxFsyncMs()), () -> {
                if (!up || incarnation != inc) {
                    return;
                }
                disk.sync(target);
                fsyncInFlight = false;
                while (!waitingForSync.isEmpty() && (long) waitingForSync.peek()[0] <= target) {
                    send((Message) waitingForSync.poll()[1]);
                }
                Entry last = disk.lastDurable();
                if (last != null) {
                    core.onPersisted(last.index(), last.term());
                }
                startSync();
                processReady();
            });
        }

        private void apply(Entry e) {
            checkApplied(this, e);
            lastApplied = e.index();
            if (e.type() != EntryType.NORMAL) {
                kv.advance(e.index(), e.timestamp());
                return;
            }
            Envelope env;
            try {
                env = CommandCodec.decode(e.payload());
            } catch (IllegalArgumentException undecodable) {
                // A hostile or newer-build payload: every replica applies it as the same no-op.
                kv.applyPayload(e.index(), e.timestamp(), e.payload(), io.tandem.state.CommandLevels.CURRENT);
                return;
            }
            Object before = tasks == null ? null : tasks.beforeApply(id, kv, e, env);
            lockChecks.beforeApply(env);
            CommandResult result = kv.applyPayload(e.index(), e.timestamp(), e.payload(),
                    io.tandem.state.CommandLevels.CURRENT).result();
            lockChecks.afterApply(env, result);
            if (tasks != null) {
                tasks.afterApply(id, kv, e, env, result, before);
            }
            for (ApplyHook hook : applyHooks) {
                hook.applied(id, env, result, now);
            }
            Request r = writes.remove(pendingKeyOf(env));
            if (r != null) {
                reply(r, "ok", result);
            }
        }

        private void serveReads() {
            List<Long> done = new ArrayList<>();
            for (Map.Entry<Long, Long> e : readIndexes.entrySet()) {
                if (e.getValue() <= lastApplied) {
                    done.add(e.getKey());
                }
            }
            for (long ctx : done) {
                readIndexes.remove(ctx);
                Request r = reads.remove(ctx);
                if (r != null) {
                    reply(r, "ok", kv.get(r.readKey()));
                }
            }
        }

        private void maybeSnapshot() {
            if (lastApplied - lastSnapshotIndex < opt.snapshotEvery() || lastApplied > core.appliedIndex()) {
                return;
            }
            SnapshotMeta meta = core.snapshotMetaAt(lastApplied);
            disk.saveSnapshot(meta, snapshotState(kv));
            core.compact(lastApplied);
            lastSnapshotIndex = lastApplied;
        }

        void handleRequest(Request r) {
            if (!up) {
                return;
            }
            if (r.envelope() != null) {
                if (!core.isLeader()) {
                    reply(r, "redirect", core.leaderId());
                    return;
                }
                try {
                    core.propose(CommandCodec.encode(r.envelope()));
                    writes.put(r.pendingKey(), r);
                } catch (TandemException e) {
                    reply(r, "redirect", core.leaderId());
                }
            } else if (staleReads) {
                reply(r, "ok", kv.get(r.readKey()));
            } else {
                long ctx = ++nextReadContext;
                reads.put(ctx, r);
                core.readIndex(ctx);
            }
            processReady();
        }

        private void reply(Request r, String kind, Object value) {
            int inc = incarnation;
            schedule(1 + random.nextInt(5), () -> {
                if (incarnation == inc) {
                    r.client().onReply(r.seq(), r.attempt(), kind, value, id);
                }
            });
        }

        @Override
        public long snapshotSize(long index) {
            byte[] data = disk.retained.get(index);
            return data == null ? -1 : data.length;
        }

        @Override
        public byte[] readSnapshotChunk(long index, long offset, int maxBytes) {
            byte[] data = disk.retained.get(index);
            if (data == null) {
                throw new IllegalStateException(id + " asked for snapshot " + index + " but retains "
                        + disk.retained.keySet());
            }
            int from = (int) Math.min(offset, data.length);
            int to = (int) Math.min((long) from + maxBytes, data.length);
            return Arrays.copyOfRange(data, from, to);
        }
    }

    // ------------------------------------------------------------------ clients

    private final class SimClient implements Replier {
        final int id;
        long sessionId;
        long nonce;
        long seq;
        long attempt;
        int attempts;
        String target;
        String type;
        String key;
        String value;
        long expectedVersion;
        Envelope envelope;
        long invokeMs;
        boolean active;
        long lastCompletedInvoke = -1;
        final TreeMap<String, Long> lastSeenVersion = new TreeMap<>();

        /** Odd clients also take locks, with sessions short enough to expire under faults. */
        final boolean lockClient;
        /** Per lock name: {owner, token} when held, {owner, 0} while queued. */
        final TreeMap<String, long[]> lockState = new TreeMap<>();
        Command.AcquireLock lastAcquire;
        String lockName;

        SimClient(int id) {
            this.id = id;
            this.lockClient = id % 2 == 1;
        }

        private Command.AcquireLock acquireFor(String name, long owner, long waitMs) {
            return switch (name.charAt(0)) {
                case 'S' -> new Command.AcquireLock(io.tandem.state.LockKind.SEMAPHORE, name, owner, 1 + (int) (owner % 2),
                        2, waitMs, 0);
                case 'R' -> new Command.AcquireLock(io.tandem.state.LockKind.RWLOCK, name, owner,
                        owner % 3 == 0 ? io.tandem.state.LockKind.RW_CAPACITY : 1, 0, waitMs, 0);
                case 'E' -> new Command.AcquireLock(io.tandem.state.LockKind.ELECTION, name, owner, 1, 1, waitMs, 0);
                default -> new Command.AcquireLock(io.tandem.state.LockKind.LOCK, name, owner, 1, 1, waitMs,
                        owner % 5 == 0 ? 200 : 0);
            };
        }

        /** Acquire (or ask again about a queued acquisition), cancel, or release: never recorded in the history. */
        private void lockOp() {
            String[] names = {"L0", "L1", "S0", "R0", "E0"};
            lockName = names[rnd.nextInt(names.length)];
            long[] st = lockState.get(lockName);
            Command cmd;
            if (st != null && st[1] != 0 && rnd.nextBoolean()) {
                Command.AcquireLock a = acquireFor(lockName, st[0], 0);
                cmd = new Command.ReleaseLock(a.kind(), lockName, st[0], st[1]);
                type = "unlock";
            } else if (st != null && st[1] == 0 && rnd.nextInt(4) == 0) {
                cmd = new Command.CancelLockWait(acquireFor(lockName, st[0], 0).kind(), lockName, st[0]);
                type = "cancel";
            } else {
                long owner = st != null ? st[0] : seq;
                long[] waits = {0, 100, 500, -1};
                lastAcquire = acquireFor(lockName, owner, st != null ? -1 : waits[rnd.nextInt(waits.length)]);
                cmd = lastAcquire;
                type = "lock";
            }
            key = lockName;
            envelope = new Envelope(sessionId, seq, seq - 1, cmd);
            sendAttempt();
        }

        private void completeLockOp(Object v) {
            active = false;
            if (type.equals("lock")) {
                if (v instanceof CommandResult.LockGranted g) {
                    lockState.put(lockName, new long[] {lastAcquire.owner(), g.token()});
                } else if (v instanceof CommandResult.LockQueued) {
                    lockState.put(lockName, new long[] {lastAcquire.owner(), 0});
                } else {
                    lockState.remove(lockName);
                }
            } else {
                lockState.remove(lockName); // released, stale, or withdrawn: a later acquire starts afresh
            }
            schedule(rnd.nextInt(20), this::nextOp);
        }

        void nextOp() {
            if (!clientsRunning) {
                return;
            }
            attempts = 0;
            invokeMs = now;
            active = true;
            if (sessionId == 0) {
                // Not an operation of the history: a session must exist before any command runs.
                type = "open";
                seq++; // sequence numbers continue across sessions, so a late reply never matches a newer op
                nonce = rnd.nextLong();
                envelope = new Envelope(0, 0, 0, new Command.OpenSession("client-" + id,
                        lockClient ? LOCK_SESSION_TIMEOUT_MS : SESSION_TIMEOUT_MS, nonce));
                sendAttempt();
                return;
            }
            seq++;
            if (lockClient && rnd.nextInt(10) < 4) {
                lockOp();
                return;
            }
            key = "k" + rnd.nextInt(opt.keys());
            value = "c" + id + "-" + seq;
            int kind = rnd.nextInt(20);
            type = kind < 8 ? "read" : kind < 13 ? "put" : kind < 18 ? "cas" : "del";
            expectedVersion = rnd.nextBoolean() ? lastSeenVersion.getOrDefault(key, 0L) : rnd.nextInt(4);
            Command cmd = switch (type) {
                case "put" -> new Command.Put(key, value.getBytes(StandardCharsets.UTF_8), Command.Put.ANY_VERSION, 0,
                        false);
                case "cas" -> new Command.Put(key, value.getBytes(StandardCharsets.UTF_8), expectedVersion, 0, false);
                case "del" -> new Command.Delete(key, Command.Put.ANY_VERSION);
                default -> null;
            };
            envelope = cmd == null ? null : new Envelope(sessionId, seq, seq - 1, cmd);
            sendAttempt();
        }

        private void sendAttempt() {
            attempt++;
            attempts++;
            if (target == null || nodes.get(target) == null || rnd.nextInt(5) == 0) {
                List<String> ids = new ArrayList<>(nodes.keySet());
                target = ids.get(rnd.nextInt(ids.size()));
            }
            SimNode node = nodes.get(target);
            Request r = new Request(this, seq, attempt, envelope, key);
            schedule(1 + rnd.nextInt(5), () -> node.handleRequest(r));
            long a = attempt;
            schedule(CLIENT_TIMEOUT_MS, () -> {
                if (active && attempt == a) {
                    retry(null);
                }
            });
        }

        private void retry(String hint) {
            if (attempts >= 30) {
                abandon();
                schedule(1, this::nextOp);
                return;
            }
            target = hint;
            long a = attempt;
            schedule(5 + rnd.nextInt(20), () -> {
                if (active && attempt == a) {
                    sendAttempt();
                }
            });
        }

        @Override
        public void onReply(long replySeq, long replyAttempt, String kind, Object v, String from) {
            if (!active || replySeq != seq) {
                return;
            }
            switch (kind) {
                case "ok" -> complete(v);
                case "redirect" -> {
                    if (replyAttempt == attempt) {
                        retry((String) v);
                    }
                }
                default -> {
                    if (replyAttempt == attempt) {
                        retry(null);
                    }
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void complete(Object v) {
            if (type.equals("open")) {
                if (!(v instanceof CommandResult.SessionOpened opened)) {
                    throw fail("SessionOpen", "client " + id + " could not open a session: " + v);
                }
                active = false;
                sessionId = opened.sessionId();
                schedule(rnd.nextInt(5), this::nextOp);
                return;
            }
            if (v instanceof CommandResult.Rejected rj) {
                throw fail("StateMachineRejected", "client " + id + " waiting for seq " + seq + " got " + rj.reason());
            }
            if (v instanceof CommandResult.SessionExpired) {
                // The command may have run under the session before it expired: unknown.
                abandon();
                sessionId = 0;
                lockState.clear();
                schedule(rnd.nextInt(20), this::nextOp);
                return;
            }
            if (isLockOp()) {
                completeLockOp(v);
                return;
            }
            active = false;
            Object out = v;
            if (v instanceof java.util.Optional<?> opt) {
                out = opt.orElse(null);
            }
            if (out instanceof io.tandem.state.Record rec) {
                lastSeenVersion.put(key, rec.version());
            } else if (out instanceof CommandResult.Written w) {
                lastSeenVersion.put(key, w.record().version());
            }
            record(HistoryOp.Status.OK, out);
            lastCompletedInvoke = invokeMs;
            schedule(rnd.nextInt(20), this::nextOp);
        }

        private boolean isLockOp() {
            return type.equals("lock") || type.equals("unlock") || type.equals("cancel");
        }

        /** Gives up on the current operation: writes become indeterminate, reads are dropped. */
        void abandon() {
            if (!active) {
                return;
            }
            active = false;
            if (isLockOp()) {
                // Unknown outcome: leave the session behind (it expires and frees what it holds).
                lockState.clear();
                sessionId = 0;
                return;
            }
            if (!type.equals("read") && !type.equals("open")) {
                record(HistoryOp.Status.INFO, null);
            }
        }

        private void record(HistoryOp.Status status, Object output) {
            history.add(new HistoryOp(id, invokeMs, status == HistoryOp.Status.OK ? now : Long.MAX_VALUE, type, key,
                    value, expectedVersion, output, status));
        }
    }

    // ------------------------------------------------------------------ scripted scenarios

    /** Options for a scripted scenario: no random faults, no clients; the script drives everything. */
    public static Options scripted(long seed, int nodes, int snapshotEvery) {
        return new Options(seed, nodes, 0, 0, 0, 0, 5, false, false, false, false, false, false, snapshotEvery, 3,
                true, true, 10, 1, 2048, 0, 1, List.of(), "ScenarioSimulationTest", false);
    }

    /** Boots the founding nodes for a scripted scenario. */
    public Simulator startScripted() {
        for (String id : bootstrap.voters().keySet()) {
            SimNode n = new SimNode(id, rnd.split());
            nodes.put(id, n);
            n.start(bootstrap);
        }
        return this;
    }

    public void runFor(long ms) {
        runUntil(now + ms);
    }

    public long nowMs() {
        return now;
    }

    /** Cuts every link between {@code id} and the other nodes, both ways. */
    public void isolate(String id) {
        for (String other : nodes.keySet()) {
            if (!other.equals(id)) {
                block(id, other);
                block(other, id);
            }
        }
    }

    private final List<Consumer<Simulator>> afterEvent = new ArrayList<>();

    /** Runs {@code hook} after every event (scripted scenarios react to the cluster's state). */
    public void afterEachEvent(Consumer<Simulator> hook) {
        afterEvent.add(hook);
    }

    public void clearHooks() {
        afterEvent.clear();
    }

    /** Cuts the link between two nodes, both ways; messages already in flight on it are lost. */
    public void cut(String a, String b) {
        block(a, b);
        block(b, a);
    }

    public boolean isUp(String id) {
        return nodes.get(id).up;
    }

    public void healNetwork() {
        blocked.clear();
    }

    public void crash(String id) {
        nodes.get(id).crash();
    }

    public void restart(String id) {
        nodes.get(id).restart();
    }

    /** The highest-term live leader, or null. */
    public String leaderId() {
        SimNode l = currentLeader();
        return l == null ? null : l.id;
    }

    public RaftCore core(String id) {
        return nodes.get(id).core;
    }

    public long appliedIndex(String id) {
        return nodes.get(id).lastApplied;
    }

    /** Proposes a put on the current leader (as client 99) and returns its log index. */
    public long proposeOnLeader(String key, String value) {
        SimNode l = currentLeader();
        if (l == null) {
            throw new IllegalStateException("no leader at " + now + "ms: " + describeNodes());
        }
        Command put = new Command.Put(key, value.getBytes(StandardCharsets.UTF_8), Command.Put.ANY_VERSION, 0, false);
        // No session: the entry commits like any other and the state machine answers SessionExpired.
        long index = l.core.propose(CommandCodec.encode(new Envelope(0, ++scriptSeq, 0, put)));
        l.processReady();
        return index;
    }

    private long scriptSeq;

    /** Starts an empty node that will join once a leader adds it. */
    public void startJoiner(String id) {
        SimNode joiner = new SimNode(id, rnd.split());
        nodes.put(id, joiner);
        joiner.start(Configuration.EMPTY);
    }

    /** Runs an action against the current leader's core, then lets it emit what it must. */
    public void onLeader(Consumer<RaftCore> action) {
        SimNode l = currentLeader();
        if (l == null) {
            throw new IllegalStateException("no leader at " + now + "ms: " + describeNodes());
        }
        action.accept(l.core);
        l.processReady();
    }

    public void checkSafetyNow() {
        checkStepInvariants();
        checkLogMatching();
    }

    /** Half the seeds compact right up to the snapshot, so lagging followers need InstallSnapshot. */
    private int trailingEntries() {
        return ((opt.seed() >>> 7) & 1) == 0 ? 0 : 25;
    }

    private static StateMachine restoreState(byte[] snapshot) {
        StateMachine sm = new StateMachine(SIM_LIMITS);
        if (snapshot != null) {
            try {
                sm.restore(new java.io.ByteArrayInputStream(snapshot));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return sm;
    }

    private static byte[] snapshotState(StateMachine sm) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            sm.snapshot(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Replicas that applied the same prefix must hold byte-identical state. */
    private void checkStateConvergence() {
        TreeMap<Long, String> byIndex = new TreeMap<>();
        TreeMap<Long, byte[]> states = new TreeMap<>();
        for (SimNode n : nodes.values()) {
            if (!n.up) {
                continue;
            }
            byte[] state = snapshotState(n.kv);
            byte[] prev = states.putIfAbsent(n.lastApplied, state);
            if (prev != null && !Arrays.equals(prev, state)) {
                throw fail("StateDeterminism", n.id + " and " + byIndex.get(n.lastApplied) + " applied up to index "
                        + n.lastApplied + " but hold different state");
            }
            byIndex.putIfAbsent(n.lastApplied, n.id);
        }
    }

    // ------------------------------------------------------------------ task workload (TaskSimulationTest)

    private TaskWorkload tasks;
    private io.tandem.state.InjectedScheduleBug scheduleBug;

    /** Every replica's cron schedules carry {@code bug} (the checker must catch it). */
    public Simulator withScheduleBug(io.tandem.state.InjectedScheduleBug bug) {
        this.scheduleBug = bug;
        return this;
    }

    /** Adds worker agents on the founding nodes and the task invariants (see {@link TaskWorkload}). */
    public Simulator withTasks() {
        tasks = new TaskWorkload(this, new SplittableRandom(opt.seed() ^ 0x7A5C5L));
        return this;
    }

    TaskWorkload taskWorkload() {
        return tasks;
    }

    Options options() {
        return opt;
    }

    void later(long delayMs, Runnable action) {
        schedule(delayMs, action);
    }

    SimulationFailure failure(String invariant, String detail) {
        return fail(invariant, detail);
    }

    /** The replica of the up node that applied the most, or null. */
    StateMachine mostAppliedState() {
        SimNode best = null;
        for (SimNode n : nodes.values()) {
            if (n.up && (best == null || n.lastApplied > best.lastApplied)) {
                best = n;
            }
        }
        return best == null ? null : best.kv;
    }

    /** Sends a command to node {@code to} as a client would; the answer goes to {@code r}. */
    void sendCommand(String to, Envelope env, Replier r, long requestId, long attempt) {
        SimNode node = nodes.get(to);
        Request req = new Request(r, requestId, attempt, env, null);
        schedule(1 + rnd.nextInt(5), () -> node.handleRequest(req));
    }

    /** Self-test of the history check: nodes answer reads from local state, without ReadIndex. */
    public Simulator serveStaleReadsForTesting() {
        staleReads = true;
        return this;
    }

    private final List<java.util.function.BiConsumer<String, Message>> deliveryHooks = new ArrayList<>();

    /** Sees every Raft message as it is delivered to a running node (receiver id, message). */
    public void onDeliver(java.util.function.BiConsumer<String, Message> hook) {
        deliveryHooks.add(hook);
    }

    /** Ids of every node ever started here, running or not. */
    public List<String> nodeIds() {
        return new ArrayList<>(nodes.keySet());
    }

    /** Sees every command a replica applies: node, envelope, result, virtual time of the apply. */
    public interface ApplyHook {
        void applied(String nodeId, Envelope env, CommandResult result, long nowMs);
    }

    public void onApplied(ApplyHook hook) {
        applyHooks.add(hook);
    }

    /** Sees every lock grant (after its invariants passed) on every replica, with the virtual time. */
    public interface GrantHook {
        void granted(String nodeId, io.tandem.state.LockKind kind, String name, long session, long owner, long token,
                     long entryTimeMs, long nowMs);
    }

    private GrantHook grantHook;

    public void onLockGranted(GrantHook hook) {
        this.grantHook = hook;
    }

    private void observeGrant(String nodeId, io.tandem.state.LockKind kind, String name, long session, long owner,
                              long token, long entryTimeMs) {
        if (grantHook != null) {
            grantHook.granted(nodeId, kind, name, session, owner, token, entryTimeMs, now);
        }
    }

    /** Grants checked so far on all replicas (a workload that never granted anything proves little). */
    public long lockGrantsChecked() {
        long n = 0;
        for (SimNode node : nodes.values()) {
            n += node.lockChecks.grants;
        }
        return n + retiredGrants;
    }

    private long retiredGrants;

    /**
     * Proposes a command on the current leader as a client would (the envelope carries session and
     * sequence); false if there is no leader or it refused. Results arrive through {@link #onApplied}.
     */
    public boolean submitOnLeader(Envelope env) {
        SimNode l = currentLeader();
        if (l == null) {
            return false;
        }
        try {
            l.core.propose(CommandCodec.encode(env));
        } catch (TandemException e) {
            return false;
        }
        l.processReady();
        return true;
    }

    /** Sets a node's clock: its reading is {@code now × rate + offsetMs} (entry stamps come from it). */
    public void setClock(String id, double rate, long offsetMs) {
        SimNode n = nodes.get(id);
        n.tickScale = rate;
        n.clockOffsetMs = offsetMs;
    }

    /** For scenario tests: run a custom action against the cluster at a given virtual time. */
    public void at(long timeMs, Consumer<Simulator> action) {
        queue.add(new Event(timeMs, eventSeq++, () -> action.accept(this)));
    }
}
