package io.tandem.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Hand-driven Raft cores for unit tests: each {@link Node} is one {@link RaftCore} plus the few
 * things a runtime keeps around it (durable hard state and log, applied entries, snapshot store,
 * read results), and the cluster is a tiny deterministic in-memory network that delivers messages
 * in FIFO order until nothing moves. No threads, no clocks: time passes only when a test ticks.
 *
 * <p>Defaults follow etcd's {@code raft_paper_test.go}: PreVote and CheckQuorum off (the paper's
 * plain algorithm), election timeout {@value #ELECTION_TICKS} ticks, heartbeat every tick. Tests of
 * the extensions switch them on through the config tweak.
 */
final class RaftTestCluster {

    static final int ELECTION_TICKS = 10;
    private static final int MAX_DELIVERIES = 100_000;

    /** The paper's algorithm: no PreVote, no CheckQuorum. */
    static RaftConfig.Builder config(String id) {
        return RaftConfig.builder(id).electionTimeoutTicks(ELECTION_TICKS).heartbeatTicks(1)
                .preVote(false).checkQuorum(false);
    }

    static String id(int i) {
        return "n" + i;
    }

    static Map<String, String> members(int... ids) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i : ids) {
            m.put(id(i), "host" + i + ":7000");
        }
        return m;
    }

    /** Voters n1..nN. */
    static Configuration voters(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
        }
        return Configuration.ofVoters(members(ids));
    }

    /** A log with one NORMAL entry per term given, starting at index 1. */
    static List<Entry> log(long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(new Entry(i + 1, terms[i], EntryType.NORMAL, 0, bytes("e" + (i + 1))));
        }
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static long[] terms(List<Entry> entries) {
        return entries.stream().mapToLong(Entry::term).toArray();
    }

    /** Messages of one kind in {@code rd.messages()} (sent at once, not waiting for durability). */
    static <T extends Message> List<T> sent(Ready rd, Class<T> type) {
        return rd.messages().stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Messages of one kind in {@code rd.persistedMessages()} (sent only once the Ready is durable). */
    static <T extends Message> List<T> sentAfterPersist(Ready rd, Class<T> type) {
        return rd.persistedMessages().stream().filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * Makes {@code n} leader without a network: it times out, then the other voters (in id order)
     * grant its pre-vote and vote until it has a majority. Handles the resulting Readys.
     */
    static void makeLeader(Node n) {
        n.tickUntilCampaign();
        n.handleAll();
        for (int round = 0; round < 2 && !n.core.isLeader(); round++) {
            boolean pre = n.core.role() == Role.PRE_CANDIDATE;
            long term = pre ? n.core.term() + 1 : n.core.term();
            for (String voter : n.core.configuration().voters().keySet()) {
                if (!voter.equals(n.id) && n.core.role() == (pre ? Role.PRE_CANDIDATE : Role.CANDIDATE)) {
                    n.core.step(new RequestVoteResponse(voter, n.id, term, pre, true));
                }
            }
            n.handleAll();
        }
        assertEquals(Role.LEADER, n.core.role(), n.id + " did not become leader: " + n);
    }

    // ------------------------------------------------------------------ one node

    /** One core and the runtime state around it. */
    static final class Node implements SnapshotSource {
        final String id;
        final RaftConfig config;
        final RaftCore core;

        HardState hardState;
        /** The durable log as the runtime's storage holds it. */
        final TreeMap<Long, Entry> stableLog = new TreeMap<>();
        /** Entries applied to the state machine, in order; a restored snapshot resets the base. */
        final List<Entry> applied = new ArrayList<>();
        long appliedIndex;
        final List<ReadState> readStates = new ArrayList<>();
        final List<Long> readFailures = new ArrayList<>();
        final List<Ready> readies = new ArrayList<>();
        final List<SnapshotChunk> chunksReceived = new ArrayList<>();
        final List<SnapshotMeta> snapshotsInstalled = new ArrayList<>();
        /** Durable snapshots by index: saved by {@link #compact} or received from a leader. */
        final TreeMap<Long, byte[]> snapshotStore = new TreeMap<>();
        private ByteArrayOutputStream receiving;

        /** When false, entries reach storage but durability is reported only by {@link #persist()}. */
        boolean autoPersist = true;
        private Entry unreported;
        private final List<Message> held = new ArrayList<>();
        private final List<Message> outbox = new ArrayList<>();

        Node(RaftConfig config, long seed, HardState hs, SnapshotMeta base, List<Entry> entries) {
            this.id = config.nodeId();
            this.config = config;
            long[] stamp = {0};
            this.core = new RaftCore(config, new SplittableRandom(seed), () -> ++stamp[0], this, hs, base, entries);
            this.hardState = hs;
            for (Entry e : entries) {
                stableLog.put(e.index(), e);
            }
            this.appliedIndex = base.index();
        }

        /** A founding member of {@code bootstrap} with an empty log. */
        static Node fresh(RaftConfig config, long seed, Configuration bootstrap) {
            return new Node(config, seed, HardState.INITIAL, new SnapshotMeta(0, 0, bootstrap), List.of());
        }

        /**
         * Handles one Ready as the runtime would, in the order {@link Ready} prescribes, and
         * returns it for inspection. Messages to send collect in the outbox.
         */
        Ready handle() {
            Ready rd = core.ready();
            readies.add(rd);
            if (rd.hardState() != null) {
                assertTrue(rd.hardState().term() >= hardState.term(),
                        id + ": term went backwards " + hardState + " -> " + rd.hardState());
                hardState = rd.hardState();
            }
            outbox.addAll(rd.messages());
            if (!rd.entries().isEmpty()) {
                long first = rd.entries().get(0).index();
                long last = stableLog.isEmpty() ? core.snapshotIndex() : stableLog.lastKey();
                assertTrue(first <= last + 1, id + ": entries start at " + first + " after durable last " + last);
                stableLog.tailMap(first, true).clear();
                for (Entry e : rd.entries()) {
                    stableLog.put(e.index(), e);
                }
            }
            for (SnapshotChunk c : rd.snapshotChunks()) {
                chunksReceived.add(c);
                if (c.offset() == 0) {
                    receiving = new ByteArrayOutputStream();
                }
                assertEquals(receiving.size(), c.offset(), id + ": snapshot chunk out of order");
                receiving.writeBytes(c.data());
                if (c.done()) {
                    snapshotStore.put(c.index(), receiving.toByteArray());
                    receiving = null;
                }
            }
            if (autoPersist) {
                outbox.addAll(rd.persistedMessages());
            } else {
                held.addAll(rd.persistedMessages());
            }
            if (rd.snapshot() != null) {
                SnapshotMeta s = rd.snapshot();
                assertTrue(snapshotStore.containsKey(s.index()), id + ": snapshot " + s.index() + " restored before"
                        + " its data was durable");
                snapshotsInstalled.add(s);
                // Keep the suffix only if our log holds the snapshot's last entry (§7).
                Entry at = stableLog.get(s.index());
                if (at != null && at.term() == s.term()) {
                    stableLog.headMap(s.index(), true).clear();
                } else {
                    stableLog.clear();
                }
                applied.clear();
                appliedIndex = s.index();
            }
            for (Entry e : rd.committedEntries()) {
                assertEquals(appliedIndex + 1, e.index(), id + ": applied out of order");
                assertEquals(stableLog.get(e.index()), e, id + ": applied entry differs from the durable one");
                applied.add(e);
                appliedIndex = e.index();
            }
            readStates.addAll(rd.readStates());
            readFailures.addAll(rd.readFailures());
            core.advance(rd);
            if (!rd.entries().isEmpty()) {
                Entry last = rd.entries().get(rd.entries().size() - 1);
                if (autoPersist) {
                    core.onPersisted(last.index(), last.term());
                } else {
                    unreported = last;
                }
            }
            return rd;
        }

        /** Handles every Ready the core has; returns them. */
        List<Ready> handleAll() {
            List<Ready> out = new ArrayList<>();
            while (core.hasReady()) {
                out.add(handle());
            }
            return out;
        }

        /** Reports the writes held back while {@link #autoPersist} was off as durable. */
        void persist() {
            outbox.addAll(held);
            held.clear();
            if (unreported != null) {
                core.onPersisted(unreported.index(), unreported.term());
                unreported = null;
            }
        }

        /** Takes the messages waiting to be sent. */
        List<Message> takeOutbox() {
            List<Message> out = List.copyOf(outbox);
            outbox.clear();
            return out;
        }

        /** The runtime snapshots the state machine at its applied index and compacts the log. */
        void compact(byte[] snapshotData) {
            snapshotStore.put(appliedIndex, snapshotData);
            core.compact(appliedIndex);
            stableLog.headMap(appliedIndex, true).clear();
        }

        void tick(int n) {
            for (int i = 0; i < n; i++) {
                core.tick();
            }
        }

        /** Ticks until the node leaves FOLLOWER (campaigns); fails after 2x the election timeout. */
        void tickUntilCampaign() {
            for (int i = 0; i < 2 * config.electionTimeoutTicks(); i++) {
                core.tick();
                if (core.role() != Role.FOLLOWER) {
                    return;
                }
            }
            throw new AssertionError(id + " did not campaign within 2x the election timeout: " + core);
        }

        List<Long> appliedIndexes() {
            return applied.stream().map(Entry::index).toList();
        }

        List<String> appliedPayloads() {
            return applied.stream().filter(e -> e.type() == EntryType.NORMAL)
                    .map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
        }

        @Override
        public long snapshotSize(long index) {
            return snapshotData(index).length;
        }

        @Override
        public byte[] readSnapshotChunk(long index, long offset, int maxBytes) {
            byte[] data = snapshotData(index);
            int from = (int) Math.min(offset, data.length);
            return Arrays.copyOfRange(data, from, Math.min(data.length, from + maxBytes));
        }

        private byte[] snapshotData(long index) {
            byte[] data = snapshotStore.get(index);
            if (data == null) {
                throw new IllegalStateException(id + ": no snapshot at " + index + " (have " + snapshotStore.keySet() + ")");
            }
            return data;
        }

        @Override
        public String toString() {
            return core.toString();
        }
    }

    // ------------------------------------------------------------------ the network

    private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final TreeSet<String> isolated = new TreeSet<>();
    private final List<Predicate<Message>> dropRules = new ArrayList<>();
    /** Every message delivered, in order. */
    final List<Message> delivered = new ArrayList<>();
    /** Every message dropped, in order. */
    final List<Message> dropped = new ArrayList<>();

    RaftTestCluster() {
    }

    /** Founding voters n1..nN with the paper's defaults and {@code tweak} applied to every config. */
    static RaftTestCluster of(int n, UnaryOperator<RaftConfig.Builder> tweak) {
        RaftTestCluster c = new RaftTestCluster();
        Configuration bootstrap = voters(n);
        for (int i = 1; i <= n; i++) {
            c.add(Node.fresh(tweak.apply(config(id(i))).build(), 1000 + i, bootstrap));
        }
        return c;
    }

    static RaftTestCluster of(int n) {
        return of(n, b -> b);
    }

    Node add(Node node) {
        nodes.put(node.id, node);
        return node;
    }

    Node node(String id) {
        Node n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return n;
    }

    Node node(int i) {
        return node(id(i));
    }

    RaftCore core(int i) {
        return node(i).core;
    }

    /** Cuts every message to and from these nodes. */
    void isolate(String... ids) {
        isolated.addAll(List.of(ids));
    }

    /** Drops every message matching {@code rule} until {@link #heal()}. */
    void drop(Predicate<Message> rule) {
        dropRules.add(rule);
    }

    void heal() {
        isolated.clear();
        dropRules.clear();
    }

    /** Handles every pending Ready and puts the resulting messages on the wire. */
    void flush() {
        for (Node n : nodes.values()) {
            n.handleAll();
            inFlight.addAll(n.takeOutbox());
        }
    }

    /** Messages on the wire, not yet delivered (after a {@link #flush()}). */
    List<Message> inFlight() {
        return List.copyOf(inFlight);
    }

    /** Removes and returns the messages on the wire without delivering them. */
    List<Message> takeInFlight() {
        List<Message> out = List.copyOf(inFlight);
        inFlight.clear();
        return out;
    }

    /** Delivers the in-flight messages that match, keeps the rest in flight, then flushes. */
    void deliverWhere(Predicate<Message> which) {
        List<Message> wire = takeInFlight();
        for (Message m : wire) {
            if (which.test(m)) {
                deliver(m);
            } else {
                inFlight.add(m);
            }
        }
        flush();
    }

    /** Delivers (or drops) one message. */
    void deliver(Message m) {
        Node to = nodes.get(m.to());
        if (to == null || isolated.contains(m.to()) || isolated.contains(m.from())
                || dropRules.stream().anyMatch(r -> r.test(m))) {
            dropped.add(m);
            return;
        }
        delivered.add(m);
        to.core.step(m);
    }

    /** Delivers messages and handles Readys until nothing is left to do. */
    void stabilize() {
        int count = 0;
        while (true) {
            flush();
            if (inFlight.isEmpty()) {
                return;
            }
            while (!inFlight.isEmpty()) {
                deliver(inFlight.poll());
                if (++count > MAX_DELIVERIES) {
                    throw new AssertionError("no quiescence after " + MAX_DELIVERIES + " messages: " + nodes.values());
                }
            }
        }
    }

    /** Ticks the given nodes once each, then stabilizes. */
    void tick(String... ids) {
        for (String id : ids) {
            node(id).core.tick();
        }
        stabilize();
    }

    /** Ticks every node once, then stabilizes. */
    void tickAll() {
        for (Node n : nodes.values()) {
            n.core.tick();
        }
        stabilize();
    }

    /** Lets {@code id} time out and campaign while nobody else ticks; it must win. */
    Node elect(String id) {
        Node n = node(id);
        n.tickUntilCampaign();
        stabilize();
        assertEquals(Role.LEADER, n.core.role(), "expected " + id + " to win the election: " + nodes.values());
        return n;
    }

    Node elect(int i) {
        return elect(id(i));
    }

    /** Delivered messages of one kind, in order. */
    <T extends Message> List<T> delivered(Class<T> type) {
        return delivered.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The leader of the highest term, or null. */
    Node leader() {
        Node best = null;
        for (Node n : nodes.values()) {
            if (n.core.isLeader() && (best == null || n.core.term() > best.core.term())) {
                best = n;
            }
        }
        return best;
    }

    Iterable<Node> nodes() {
        return nodes.values();
    }
}
