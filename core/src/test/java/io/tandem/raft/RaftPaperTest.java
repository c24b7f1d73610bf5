package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.id;
import static io.tandem.raft.RaftTestCluster.log;
import static io.tandem.raft.RaftTestCluster.makeLeader;
import static io.tandem.raft.RaftTestCluster.sent;
import static io.tandem.raft.RaftTestCluster.sentAfterPersist;
import static io.tandem.raft.RaftTestCluster.terms;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftTestCluster.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One test per rule of the Raft paper (Ongaro and Ousterhout, "In Search of an Understandable
 * Consensus Algorithm", §5.1–§5.4), in the shape of etcd's {@code raft_paper_test.go}: build a
 * core in a known state, step a message or tick, check the {@link Ready}. The paper's plain
 * algorithm runs here (no PreVote, no CheckQuorum); the extensions have their own test classes.
 */
class RaftPaperTest {

    /** Node {@code i} of a cluster of {@code size} voters, at {@code term}, holding a log of the given terms. */
    private static Node node(int i, int size, long term, long... logTerms) {
        return new Node(config(id(i)).build(), 100 + i, new HardState(term, null),
                new SnapshotMeta(0, 0, voters(size)), log(logTerms));
    }

    // ================================================================== §5.1 basics

    enum StartRole { FOLLOWER, CANDIDATE, LEADER }

    static Stream<Arguments> higherTermMessages() {
        List<Function<Long, Message>> kinds = List.of(
                t -> new AppendEntries("n2", "n1", t, 0, 0, List.of(), 0),
                t -> new Heartbeat("n2", "n1", t, 0, 1),
                t -> new RequestVote("n2", "n1", t, 0, 0, false, false),
                t -> new AppendEntriesResponse("n2", "n1", t, false, 0, 0, 0, 0),
                t -> new RequestVoteResponse("n2", "n1", t, false, false),
                t -> new HeartbeatResponse("n2", "n1", t, 1, 0));
        List<Arguments> out = new ArrayList<>();
        for (StartRole role : StartRole.values()) {
            for (Function<Long, Message> kind : kinds) {
                out.add(Arguments.of(role, kind.apply(0L).kind(), kind));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} receiving {1}")
    @MethodSource("higherTermMessages")
    @DisplayName("§5.1 a higher term in any message makes the receiver adopt it and become follower")
    void higherTermMakesFollower(StartRole role, MessageKind kind, Function<Long, Message> make) {
        Node n = node(1, 3, 1);
        switch (role) {
            case FOLLOWER -> { }
            case CANDIDATE -> n.tickUntilCampaign();
            case LEADER -> makeLeader(n);
        }
        n.handleAll();
        long higher = n.core.term() + 3;

        n.core.step(make.apply(higher));

        assertEquals(higher, n.core.term());
        assertEquals(Role.FOLLOWER, n.core.role());
        // Only a message from the leader of the new term tells us who leads it.
        boolean fromLeader = kind == MessageKind.APPEND_ENTRIES || kind == MessageKind.HEARTBEAT;
        assertEquals(fromLeader ? "n2" : null, n.core.leaderId());
        Ready rd = n.handle();
        assertEquals(higher, rd.hardState().term(), "the new term must be persisted");
        // Reference: section 5.1
    }

    @Test
    @DisplayName("§5.1 messages with a stale term are ignored")
    void staleTermMessagesAreIgnored() {
        Node n = node(1, 3, 3, 1, 1);
        n.core.step(new Heartbeat("n3", "n1", 3, 0, 1));
        n.handleAll();

        n.core.step(new AppendEntries("n2", "n1", 2, 2, 1, log(1, 1, 2).subList(2, 3), 3));
        n.core.step(new Heartbeat("n2", "n1", 2, 2, 1));
        n.core.step(new RequestVote("n2", "n1", 2, 10, 2, false, false));
        n.core.step(new TimeoutNow("n2", "n1", 2));

        assertEquals(3, n.core.term());
        assertEquals("n3", n.core.leaderId(), "a stale leader must not be followed");
        assertEquals(Role.FOLLOWER, n.core.role(), "a stale TimeoutNow must not start a campaign");
        assertEquals(2, n.core.lastIndex(), "stale entries must not be appended");
        assertEquals(0, n.core.commitIndex(), "a stale commit index must not be applied");
        Ready rd = n.handle();
        assertNull(rd.hardState(), "no vote may be cast for a stale candidate");
        assertTrue(rd.messages().isEmpty() && rd.persistedMessages().isEmpty(),
                "without PreVote/CheckQuorum stale messages get no answer: " + rd.messages());
        // Reference: section 5.1
    }

    @Test
    @DisplayName("§5.1 a candidate ignores a vote granted in a stale term")
    void staleVoteIsNotCounted() {
        Node n = node(1, 3, 1);
        n.tickUntilCampaign();
        while (n.core.term() < 3) {
            n.core.tick(); // split vote: a second campaign in term 3
        }

        n.core.step(new RequestVoteResponse("n2", "n1", 2, false, true));
        n.core.step(new RequestVoteResponse("n3", "n1", 2, false, true));

        assertEquals(Role.CANDIDATE, n.core.role());
        // Reference: section 5.1
    }

    @Test
    @DisplayName("§5.1 term and vote are in Ready.hardState() together with the messages that depend on them")
    void hardStateAccompaniesDependentMessages() {
        // A candidate's vote for itself is persisted before its RequestVotes go out.
        Node candidate = node(1, 3, 4, 1, 4);
        candidate.tickUntilCampaign();
        Ready rd = candidate.handle();
        assertEquals(new HardState(5, "n1"), rd.hardState());
        assertEquals(2, sent(rd, RequestVote.class).size());

        // A voter persists the new term and its vote in the Ready carrying the grant.
        Node voter = node(2, 3, 4, 1, 4);
        voter.core.step(new RequestVote("n1", "n2", 5, 2, 4, false, false));
        rd = voter.handle();
        assertEquals(new HardState(5, "n1"), rd.hardState());
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 5, false, true)), rd.messages());

        // A repeated request gets the same answer without rewriting the hard state.
        voter.core.step(new RequestVote("n1", "n2", 5, 2, 4, false, false));
        rd = voter.handle();
        assertNull(rd.hardState());
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 5, false, true)), rd.messages());

        // A rejection in a newer term still carries the new term (and no vote).
        Node stale = node(3, 3, 4, 1, 4, 4);
        stale.core.step(new RequestVote("n1", "n3", 5, 2, 4, false, false));
        rd = stale.handle();
        assertEquals(new HardState(5, null), rd.hardState());
        assertEquals(List.of(new RequestVoteResponse("n3", "n1", 5, false, false)), rd.messages());
        // Reference: section 5.1, Figure 2 ("persistent state ... updated on stable storage before responding")
    }

    // ================================================================== §5.2 leader election

    @Test
    @DisplayName("§5.2 follower starts an election after a randomized timeout in [electionTimeout, 2x)")
    void followerTimesOutWithinRandomizedRange() {
        TreeSet<Integer> seen = new TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            Node n = new Node(config("n1").build(), seed, HardState.INITIAL, new SnapshotMeta(0, 0, voters(3)),
                    List.of());
            int ticks = 0;
            while (n.core.role() == Role.FOLLOWER) {
                n.core.tick();
                ticks++;
                assertTrue(ticks < 2 * ELECTION_TICKS, "seed " + seed + ": no campaign after " + ticks + " ticks");
            }
            assertTrue(ticks >= ELECTION_TICKS, "seed " + seed + ": campaigned after only " + ticks + " ticks");
            seen.add(ticks);
        }
        // With 200 seeds each of the ten values should appear; a constant timeout invites split votes.
        assertEquals(ELECTION_TICKS, seen.size(), "timeouts seen: " + seen);
        // Reference: section 5.2
    }

    @Test
    @DisplayName("§5.2 randomized election timeouts differ across seeds, so simultaneous candidacies are rare")
    void timeoutsDifferAcrossSeeds() {
        int collisions = 0;
        int trials = 500;
        for (int trial = 0; trial < trials; trial++) {
            int[] ticks = new int[5];
            for (int i = 0; i < 5; i++) {
                Node n = new Node(config(id(i + 1)).build(), trial * 31L + i, HardState.INITIAL,
                        new SnapshotMeta(0, 0, voters(5)), List.of());
                while (n.core.role() == Role.FOLLOWER) {
                    n.core.tick();
                    ticks[i]++;
                }
            }
            int first = Arrays.stream(ticks).min().orElseThrow();
            if (Arrays.stream(ticks).filter(t -> t == first).count() > 1) {
                collisions++;
            }
        }
        // Two or more of five nodes tie for first with probability about 0.25 over ten values;
        // well under half the trials, or the randomization is broken.
        assertTrue(collisions < trials / 2, collisions + " of " + trials + " trials had a tie for the first timeout");
        // Reference: section 5.2 ("election timeouts are chosen randomly")
    }

    @Test
    @DisplayName("§5.2 candidate increments its term, votes for itself and sends RequestVote to every voter")
    void candidateRequestsVotes() {
        Node n = node(1, 5, 2, 1, 1, 2);
        n.tickUntilCampaign();

        assertEquals(Role.CANDIDATE, n.core.role());
        assertEquals(3, n.core.term());
        Ready rd = n.handle();
        assertEquals(new HardState(3, "n1"), rd.hardState());
        List<RequestVote> expected = new ArrayList<>();
        for (int peer = 2; peer <= 5; peer++) {
            expected.add(new RequestVote("n1", id(peer), 3, 3, 2, false, false));
        }
        assertEquals(expected, sent(rd, RequestVote.class));
        // Reference: section 5.2
    }

    @ParameterizedTest(name = "{0} voters, granted by {1}, rejected by {2} -> {3}")
    @CsvSource({
            "1, '',        '',        LEADER",
            "3, n2,        '',        LEADER",
            "3, n2 n3,     '',        LEADER",
            "3, '',        n2,        CANDIDATE",
            "3, '',        n2 n3,     FOLLOWER",
            "5, n2 n3,     '',        LEADER",
            "5, n2,        '',        CANDIDATE",
            "5, n2,        n3 n4,     CANDIDATE",
            "5, '',        n2 n3 n4,  FOLLOWER",
            "5, n2 n3 n4 n5, '',      LEADER",
    })
    @DisplayName("§5.2 candidate wins with a majority of votes, loses to a majority of rejections")
    void electionInOneRound(int size, String granted, String rejected, Role expected) {
        Node n = node(1, size, 0);
        n.tickUntilCampaign();
        for (String v : granted.split(" ")) {
            if (!v.isBlank()) {
                n.core.step(new RequestVoteResponse(v, "n1", 1, false, true));
            }
        }
        for (String v : rejected.split(" ")) {
            if (!v.isBlank()) {
                n.core.step(new RequestVoteResponse(v, "n1", 1, false, false));
            }
        }
        assertEquals(expected, n.core.role());
        assertEquals(1, n.core.term());
        // Reference: section 5.2
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MessageKind.class, names = {"APPEND_ENTRIES", "HEARTBEAT"})
    @DisplayName("§5.2 candidate becomes follower on hearing a leader of its own term")
    void candidateFallsBackToLeaderOfSameTerm(MessageKind kind) {
        Node n = node(1, 3, 0);
        n.tickUntilCampaign();
        Message m = kind == MessageKind.APPEND_ENTRIES
                ? new AppendEntries("n2", "n1", 1, 0, 0, List.of(new Entry(1, 1, EntryType.NOOP, 0, null)), 0)
                : new Heartbeat("n2", "n1", 1, 0, 1);

        n.core.step(m);

        assertEquals(Role.FOLLOWER, n.core.role());
        assertEquals(1, n.core.term());
        assertEquals("n2", n.core.leaderId());
        // Reference: section 5.2
    }

    @Test
    @DisplayName("§5.2 after a split vote a candidate times out and starts a new election in the next term")
    void splitVoteLeadsToNewElection() {
        RaftTestCluster c = RaftTestCluster.of(4);
        // n1 and n2 campaign together; n3 hears only n1, n4 only n2: two votes each of the four.
        c.node(1).tickUntilCampaign();
        c.node(2).tickUntilCampaign();
        c.drop(m -> m instanceof RequestVote rv && (rv.to().equals("n3") && !rv.from().equals("n1")
                || rv.to().equals("n4") && !rv.from().equals("n2")));
        c.stabilize();
        assertEquals(Role.CANDIDATE, c.core(1).role());
        assertEquals(Role.CANDIDATE, c.core(2).role());
        c.heal();

        int ticks = 0;
        while (c.core(1).term() == 1) {
            c.tick("n1");
            ticks++;
        }
        assertTrue(ticks >= ELECTION_TICKS && ticks < 2 * ELECTION_TICKS, "re-campaigned after " + ticks + " ticks");
        assertEquals(2, c.core(1).term());
        assertEquals(Role.LEADER, c.core(1).role());
        for (int i = 2; i <= 4; i++) {
            assertEquals("n1", c.core(i).leaderId());
        }
        // Reference: section 5.2 ("each candidate will time out and start a new election")
    }

    @Test
    @DisplayName("§5.2 a voter grants at most one vote per term, first come first served")
    void oneVotePerTerm() {
        Node n = node(1, 3, 0);
        n.core.step(new RequestVote("n2", "n1", 1, 0, 0, false, false));
        n.core.step(new RequestVote("n3", "n1", 1, 0, 0, false, false));
        n.core.step(new RequestVote("n2", "n1", 1, 0, 0, false, false)); // a retransmission

        Ready rd = n.handle();
        assertEquals(new HardState(1, "n2"), rd.hardState());
        assertEquals(List.of(
                new RequestVoteResponse("n1", "n2", 1, false, true),
                new RequestVoteResponse("n1", "n3", 1, false, false),
                new RequestVoteResponse("n1", "n2", 1, false, true)), rd.messages());

        // A new term frees the vote.
        n.core.step(new RequestVote("n3", "n1", 2, 0, 0, false, false));
        assertEquals(new HardState(2, "n3"), n.handle().hardState());
        // Reference: section 5.2
    }

    @Test
    @DisplayName("§5.2 a voter that already follows a leader in this term refuses other candidates")
    void followerOfLeaderDoesNotVoteInSameTerm() {
        Node n = node(1, 3, 1);
        n.core.step(new Heartbeat("n2", "n1", 1, 0, 1));
        n.core.step(new RequestVote("n3", "n1", 1, 0, 0, false, false));
        assertEquals(List.of(new RequestVoteResponse("n1", "n3", 1, false, false)),
                sent(n.handle(), RequestVoteResponse.class));
        // Reference: section 5.2
    }

    @Test
    @DisplayName("§5.2 a leader sends heartbeats every heartbeat interval; they hold followers back")
    void leaderHeartbeats() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.heartbeatTicks(3));
        c.elect(1);
        c.flush();

        c.node(1).tick(2);
        assertTrue(sent(c.node(1).handle(), Heartbeat.class).isEmpty());
        c.node(1).tick(1);
        List<Heartbeat> hbs = sent(c.node(1).handle(), Heartbeat.class);
        assertEquals(List.of("n2", "n3"), hbs.stream().map(Heartbeat::to).toList());
        hbs.forEach(hb -> assertEquals(1, hb.term()));

        // Followers that keep hearing heartbeats never campaign.
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tickAll();
        }
        assertEquals(1, c.core(1).term());
        assertTrue(c.core(1).isLeader());
        assertEquals(Role.FOLLOWER, c.core(2).role());
        assertEquals(Role.FOLLOWER, c.core(3).role());
        // Reference: section 5.2 ("leaders send periodic heartbeats")
    }

    // ================================================================== §5.3 log replication

    @Test
    @DisplayName("§5.3 leader appends a proposal to its log and sends it with prevLogIndex/prevLogTerm")
    void leaderAppendsAndReplicates() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        assertEquals(1, leader.core.commitIndex());

        long index = leader.core.propose(bytes("x"));

        assertEquals(2, index);
        Ready rd = leader.handle();
        assertEquals(1, rd.entries().size());
        Entry e = rd.entries().get(0);
        assertEquals(2, e.index());
        assertEquals(1, e.term());
        assertEquals(EntryType.NORMAL, e.type());
        assertArrayEquals(bytes("x"), e.payload());
        List<AppendEntries> aes = sent(rd, AppendEntries.class);
        assertEquals(List.of("n2", "n3"), aes.stream().map(AppendEntries::to).toList());
        for (AppendEntries ae : aes) {
            assertEquals(new AppendEntries("n1", ae.to(), 1, 1, 1, List.of(e), 1), ae);
        }
        // Reference: section 5.3
    }

    @Test
    @DisplayName("§5.3 leader commits once a majority holds the entry, counting itself only after onPersisted")
    void leaderCommitsAfterOwnPersist() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        leader.autoPersist = false;
        c.isolate("n3");

        leader.core.propose(bytes("x"));
        c.stabilize();
        assertEquals(2, leader.core.matchIndex("n2"), "n2 has the entry");
        assertEquals(1, leader.core.commitIndex(), "n2 alone is no majority while our own write is not durable");

        leader.persist();
        assertEquals(2, leader.core.commitIndex());
        c.stabilize();
        assertEquals(List.of("x"), leader.appliedPayloads());
        assertEquals(List.of("x"), c.node(2).appliedPayloads());
        // Reference: section 5.3; dissertation §10.2.1 (the leader's own write counts once durable)
    }

    @Test
    @DisplayName("§5.3 a majority of followers commits even before the leader's own write is durable")
    void followersCommitWithoutLeaderPersist() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        leader.autoPersist = false;

        leader.core.propose(bytes("x"));
        c.stabilize();

        assertEquals(2, leader.core.commitIndex());
        assertEquals(1, leader.core.durableIndex());
        // Reference: section 5.3; dissertation §10.2.1 (writing to the leader's disk in parallel)
    }

    @Test
    @DisplayName("§5.3 followers apply committed entries in log order")
    void followersApplyInOrder() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        List<String> proposed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            proposed.add("cmd" + i);
            leader.core.propose(bytes("cmd" + i));
            if (i % 3 == 0) {
                c.stabilize(); // some alone, some batched
            }
        }
        c.stabilize();

        for (Node n : c.nodes()) {
            // The helper fails if an entry is applied out of order or differs from the durable one.
            assertEquals(proposed, n.appliedPayloads(), n.id);
            assertEquals(21, n.core.commitIndex(), n.id);
        }
        // Reference: section 5.3 ("applies the entry to its local state machine (in log order)")
    }

    @ParameterizedTest(name = "prev ({0}, {1}) -> success={2} index={3} conflict ({4}, {5})")
    @CsvSource({
            "0, 0, true,  0, 0, 0",
            "3, 2, true,  3, 0, 0",
            "2, 1, true,  2, 0, 0",
            "3, 3, false, 3, 3, 2",
            "2, 2, false, 2, 1, 1",
            "5, 2, false, 5, 4, 0",
    })
    @DisplayName("§5.3 follower rejects AppendEntries whose prevLogIndex/prevLogTerm it lacks, with a conflict hint")
    void followerChecksPrevLog(long prevIndex, long prevTerm, boolean success, long index, long conflictIndex,
                               long conflictTerm) {
        Node n = node(2, 3, 2, 1, 1, 2);
        n.core.step(new AppendEntries("n1", "n2", 2, prevIndex, prevTerm, List.of(), 0));
        Ready rd = n.handle();
        AppendEntriesResponse expected = new AppendEntriesResponse("n2", "n1", 2, success, index, conflictIndex,
                conflictTerm, 3);
        // Acceptances wait for durability; a rejection changes nothing and may go at once.
        assertEquals(List.of(expected), success
                ? sentAfterPersist(rd, AppendEntriesResponse.class) : sent(rd, AppendEntriesResponse.class));
        assertEquals(3, n.core.lastIndex(), "the log is unchanged");
        // Reference: section 5.3; fast backtracking as in the dissertation §5.3 / etcd
    }

    static Stream<Arguments> appendCases() {
        return Stream.of(
                // prevIndex, prevTerm, entries (index/term), resulting log terms, first index to persist
                Arguments.of(2, 2, List.of(e(3, 3)), new long[] {1, 2, 3}, 3L),
                Arguments.of(1, 1, List.of(e(2, 3), e(3, 4)), new long[] {1, 3, 4}, 2L),
                Arguments.of(0, 0, List.of(e(1, 1)), new long[] {1, 2}, -1L),
                Arguments.of(0, 0, List.of(e(1, 1), e(2, 2)), new long[] {1, 2}, -1L),
                Arguments.of(0, 0, List.of(e(1, 3)), new long[] {3}, 1L),
                Arguments.of(1, 1, List.of(e(2, 2), e(3, 4)), new long[] {1, 2, 4}, 3L));
    }

    private static Entry e(long index, long term) {
        return new Entry(index, term, EntryType.NORMAL, 0, bytes("e" + index + "t" + term));
    }

    @ParameterizedTest(name = "prev ({0}, {1}) + {2} -> {3}")
    @MethodSource("appendCases")
    @DisplayName("§5.3 follower deletes a conflicting suffix, appends new entries, keeps entries it already has")
    void followerAppendsEntries(long prevIndex, long prevTerm, List<Entry> entries, long[] expectTerms,
                                long firstPersisted) {
        Node n = node(2, 3, 2, 1, 2);
        n.core.step(new AppendEntries("n1", "n2", 4, prevIndex, prevTerm, entries, 0));

        long[] got = LongStream.rangeClosed(1, n.core.lastIndex()).map(n.core::termAt).toArray();
        assertArrayEquals(expectTerms, got);
        Ready rd = n.handle();
        assertEquals(firstPersisted, rd.entries().isEmpty() ? -1 : rd.entries().get(0).index(),
                "entries to persist start at the first new or replaced index");
        assertArrayEquals(expectTerms, terms(List.copyOf(n.stableLog.values())), "durable log after the Ready");
        // Reference: section 5.3 ("delete the existing entry and all that follow it")
    }

    @Test
    @DisplayName("§5.3 follower commits up to min(leaderCommit, index of last new entry)")
    void followerCommitsFromLeaderCommit() {
        Node n = node(2, 3, 1, 1, 1, 1);
        n.core.step(new AppendEntries("n1", "n2", 1, 0, 0, List.of(e(1, 1)), 3));
        assertEquals(1, n.core.commitIndex(), "entries 2 and 3 were not covered by this message");
        n.core.step(new AppendEntries("n1", "n2", 1, 1, 1, List.of(e(2, 1)), 3));
        assertEquals(2, n.core.commitIndex());
        Ready rd = n.handle();
        assertEquals(List.of(1L, 2L), rd.committedEntries().stream().map(Entry::index).toList());
        // Reference: section 5.3, Figure 2 AppendEntries receiver rule 5
    }

    static Stream<Arguments> figure7() {
        return Stream.of(
                Arguments.of("a", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}),
                Arguments.of("b", new long[] {1, 1, 1, 4}),
                Arguments.of("c", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}),
                Arguments.of("d", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}),
                Arguments.of("e", new long[] {1, 1, 1, 4, 4, 4, 4}),
                Arguments.of("f", new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}));
    }

    @ParameterizedTest(name = "follower ({0})")
    @MethodSource("figure7")
    @DisplayName("§5.3 leader backs up nextIndex with conflict hints and brings a divergent log into agreement (Figure 7)")
    void leaderSyncsDivergentFollower(String name, long[] followerTerms) {
        long[] leaderTerms = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
        RaftTestCluster c = new RaftTestCluster();
        c.add(node(1, 3, 7, leaderTerms));
        c.add(node(2, 3, 7, followerTerms));
        c.add(node(3, 3, 7, leaderTerms));
        c.elect(1);

        long[] expected = LongStream.concat(Arrays.stream(leaderTerms), LongStream.of(8)).toArray();
        assertArrayEquals(expected, terms(List.copyOf(c.node(2).stableLog.values())));
        assertEquals(11, c.core(1).matchIndex("n2"));
        long rejections = c.delivered(AppendEntriesResponse.class).stream()
                .filter(r -> r.from().equals("n2") && !r.success()).count();
        // Walking back one entry at a time would take up to 7 round trips here (follower f).
        assertTrue(rejections <= 2, rejections + " rejections before agreement");
        // Reference: section 5.3, Figure 7
    }

    @Test
    @DisplayName("§5.3 follower acknowledges entries in persistedMessages(), only once they are durable")
    void followerAcksAfterPersist() {
        Node n = node(2, 3, 1);
        n.core.step(new AppendEntries("n1", "n2", 1, 0, 0, List.of(e(1, 1), e(2, 1)), 0));
        Ready rd = n.handle();
        assertEquals(2, rd.entries().size());
        assertTrue(sent(rd, AppendEntriesResponse.class).isEmpty(), "ack sent before the entries are durable");
        assertEquals(List.of(new AppendEntriesResponse("n2", "n1", 1, true, 2, 0, 0, 2)),
                sentAfterPersist(rd, AppendEntriesResponse.class));

        // In a cluster, a follower whose disk is slow holds the commit back.
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        c.isolate("n3");
        c.node(2).autoPersist = false;
        leader.core.propose(bytes("x"));
        c.stabilize();
        assertEquals(1, leader.core.commitIndex());
        c.node(2).persist();
        c.stabilize();
        assertEquals(2, leader.core.commitIndex());
        // Reference: section 5.3; Figure 2 ("updated on stable storage before responding to RPCs")
    }

    // ================================================================== §5.4.1 election restriction

    @ParameterizedTest(name = "voter log {0}, candidate last ({1}, {2}) -> granted={3}")
    @CsvSource({
            "1 1, 2, 1, true",
            "1 1, 3, 1, true",
            "1 1, 1, 1, false",
            "1 1, 1, 2, true",
            "1 1, 0, 0, false",
            "1 2, 2, 2, true",
            "1 2, 3, 2, true",
            "1 2, 1, 2, false",
            "1 2, 2, 1, false",
            "1 2, 3, 1, false",
            "1 2, 1, 3, true",
    })
    @DisplayName("§5.4.1 voter rejects candidate with stale log (by last term, then by last index)")
    void voterRejectsStaleLog(String voterLog, long lastIndex, long lastTerm, boolean granted) {
        long[] terms = Arrays.stream(voterLog.split(" ")).mapToLong(Long::parseLong).toArray();
        Node voter = node(2, 3, 2, terms);
        voter.core.step(new RequestVote("n1", "n2", 3, lastIndex, lastTerm, false, false));
        Ready rd = voter.handle();
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 3, false, granted)), rd.messages());
        assertEquals(new HardState(3, granted ? "n1" : null), rd.hardState());
        // Reference: section 5.4.1
    }

    // ================================================================== §5.4.2 committing older terms

    @ParameterizedTest(name = "n2 acknowledges {0} -> commit {1}")
    @CsvSource({"1, 0", "2, 0", "3, 3"})
    @DisplayName("§5.4.2 leader commits only by counting replicas of current-term entries")
    void leaderOnlyCommitsCurrentTermByCounting(long acked, long expectedCommit) {
        Node n = node(1, 3, 2, 1, 2);
        makeLeader(n);
        assertEquals(3, n.core.term());
        assertEquals(3, n.core.durableIndex());

        n.core.step(new AppendEntriesResponse("n2", "n1", 3, true, acked, 0, 0, acked));

        assertEquals(expectedCommit, n.core.commitIndex());
        // Reference: section 5.4.2
    }

    /**
     * Figure 8, state (c): S1 leads term 4 and has replicated its index 2 (term 2) to S2 and S3, a
     * majority, but its own term-4 entry (index 3) only to S2. S4 and S5 hear nothing from it.
     */
    private static RaftTestCluster figure8() {
        RaftTestCluster c = new RaftTestCluster();
        long[][] logs = {{1, 2}, {1, 2}, {1}, {1}, {1, 3}};
        for (int i = 1; i <= 5; i++) {
            // One entry per AppendEntries, so index 2 and index 3 travel separately.
            c.add(new Node(config(id(i)).maxBytesPerAppend(1).build(), 100 + i, new HardState(3, null),
                    new SnapshotMeta(0, 0, voters(5)), log(logs[i - 1])));
        }
        // S3 first rejects the probe (it lacks index 2), then gets index 2; index 3 is lost.
        c.drop(m -> m instanceof AppendEntries ae && (ae.to().equals("n4") || ae.to().equals("n5")
                || ae.to().equals("n3") && c.core(3).lastIndex() == 2
                        && ae.entries().stream().anyMatch(x -> x.index() == 3)));
        c.elect(1);
        assertEquals(4, c.core(1).term());
        for (int i = 1; i <= 3; i++) {
            assertEquals(2, c.core(i).termAt(2), "n" + i + " holds index 2 from term 2");
        }
        return c;
    }

    @Test
    @DisplayName("§5.4.2 leader never commits an entry of an older term by counting replicas (Figure 8)")
    void figure8OlderTermNotCommittedByCounting() {
        RaftTestCluster c = figure8();
        assertEquals(0, c.core(1).commitIndex(), "index 2 (term 2) is on a majority but must not commit");

        // (d): S1 crashes; S5 wins term 5 with S3 and S4 and overwrites index 2. Had S1 committed
        // it, a committed entry would be lost here (the helper would catch the divergent apply).
        c.heal();
        c.isolate("n1");
        c.elect(5);
        c.stabilize();
        assertEquals(5, c.core(5).term());
        for (int i = 2; i <= 5; i++) {
            assertEquals(3, c.core(i).termAt(2), "n" + i + " index 2 now from term 3");
            assertEquals(3, c.core(i).commitIndex());
            assertEquals(List.of(1L, 3L, 5L), c.node(i).applied.stream().map(Entry::term).toList());
        }
        // Reference: section 5.4.2, Figure 8
    }

    @Test
    @DisplayName("§5.4.2 an older-term entry commits indirectly once a current-term entry after it commits")
    void figure8OlderTermCommittedIndirectly() {
        RaftTestCluster c = figure8();
        c.heal();
        c.isolate("n4", "n5");
        // The lost AppendEntries for index 3 is noticed at a heartbeat and re-sent.
        for (int i = 0; i < 5 && c.core(1).commitIndex() < 3; i++) {
            c.tick("n1");
        }
        assertEquals(3, c.core(1).commitIndex());
        assertEquals(List.of(1L, 2L, 4L), c.node(1).applied.stream().map(Entry::term).toList());
        assertEquals(3, c.node(3).core.commitIndex());
        // Reference: section 5.4.2 ("all prior entries are committed indirectly")
    }

    @Test
    @DisplayName("§5.4.2 a new leader appends a no-op entry at the start of its term")
    void newLeaderAppendsNoop() {
        Node n = node(1, 3, 2, 1, 2);
        n.tickUntilCampaign();
        n.handleAll();
        n.core.step(new RequestVoteResponse("n2", "n1", 3, false, true));
        assertTrue(n.core.isLeader());

        Ready rd = n.handle();
        assertEquals(1, rd.entries().size());
        Entry noop = rd.entries().get(0);
        assertEquals(3, noop.index());
        assertEquals(3, noop.term());
        assertEquals(EntryType.NOOP, noop.type());
        assertEquals(0, noop.payload().length);
        for (AppendEntries ae : sent(rd, AppendEntries.class)) {
            assertEquals(2, ae.prevLogIndex());
            assertEquals(2, ae.prevLogTerm());
            assertEquals(List.of(noop), ae.entries());
        }
        assertEquals(Set.of("n2", "n3"), Set.copyOf(sent(rd, AppendEntries.class).stream().map(Message::to).toList()));
        assertFalse(n.core.commitIndex() >= 3, "the no-op is not committed by the leader alone");
        // Reference: section 5.4.2 / section 8 ("a blank no-op entry at the start of its term")
    }
}
