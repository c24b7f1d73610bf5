package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.id;
import static io.tandem.raft.RaftTestCluster.log;
import static io.tandem.raft.RaftTestCluster.sent;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftTestCluster.Node;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * PreVote, CheckQuorum and leader stickiness (dissertation §9.6, §4.2.3, §6.2): the extensions
 * that keep a partitioned or removed server from disrupting a healthy leader.
 */
class RaftPreVoteTest {

    private static RaftTestCluster cluster(int n) {
        return RaftTestCluster.of(n, b -> b.preVote(true).checkQuorum(true));
    }

    /** Voter {@code i} of three with PreVote and CheckQuorum, at {@code term}, holding the given log. */
    private static Node voter(int i, long term, long... logTerms) {
        return new Node(config(id(i)).preVote(true).checkQuorum(true).build(), 40 + i,
                new HardState(term, null), new SnapshotMeta(0, 0, voters(3)), log(logTerms));
    }

    // ------------------------------------------------------------------ PreVote

    @Test
    @DisplayName("§9.6 a partitioned node that keeps timing out stays PRE_CANDIDATE and does not raise its term")
    void partitionedNodeKeepsItsTerm() {
        RaftTestCluster c = cluster(3);
        c.elect(1);
        long term = c.core(1).term();
        c.isolate("n3");

        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tick("n3");
        }

        assertEquals(term, c.core(3).term());
        assertEquals(Role.PRE_CANDIDATE, c.core(3).role());
        long probes = c.dropped.stream().filter(m -> m instanceof RequestVote rv && rv.preVote()
                && rv.from().equals("n3") && rv.term() == term + 1).count();
        assertTrue(probes >= 2 * 5, "n3 probed only " + probes + " times in 10 election timeouts");
        assertTrue(c.dropped.stream().noneMatch(m -> m instanceof RequestVote rv && !rv.preVote()),
                "a real RequestVote without a granted PreVote round");
        // Reference: dissertation §9.6
    }

    @Test
    @DisplayName("§9.6 a partitioned node rejoining with PreVote does not disrupt the leader")
    void rejoiningNodeDoesNotDisrupt() {
        RaftTestCluster c = cluster(3);
        c.elect(1);
        c.isolate("n3");
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tick("n3");
        }
        c.heal();

        for (int i = 0; i < 5 * ELECTION_TICKS; i++) {
            c.tickAll();
        }

        assertTrue(c.core(1).isLeader());
        for (int i = 1; i <= 3; i++) {
            assertEquals(1, c.core(i).term(), "n" + i);
            assertEquals("n1", c.core(i).leaderId(), "n" + i);
        }
        // Reference: dissertation §9.6
    }

    @Test
    @DisplayName("§9.6 contrast: without PreVote a partitioned node's term climbs and its return deposes the leader")
    void withoutPreVoteRejoiningNodeDisrupts() {
        RaftTestCluster c = RaftTestCluster.of(3);
        c.elect(1);
        c.isolate("n3");
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tick("n3");
        }
        long inflated = c.core(3).term();
        assertTrue(inflated >= 5, "term only reached " + inflated);
        c.heal();

        // n3 ignores the term-1 heartbeats and campaigns at its next timeout.
        for (int i = 0; i < 2 * ELECTION_TICKS && c.core(1).term() == 1; i++) {
            c.tickAll();
        }

        assertTrue(c.core(1).term() > inflated, "n1 adopted the partitioned node's term");
        assertTrue(c.leader() == null || c.leader().core.term() > 1, "the term-1 leader was deposed");
        // Reference: dissertation §9.6 (the problem PreVote solves)
    }

    @Test
    @DisplayName("§9.6 pre-vote is granted for an up-to-date log without changing the voter's term or vote")
    void preVoteGrantedForUpToDateLog() {
        Node v = voter(2, 1, 1, 1);
        v.core.step(new RequestVote("n1", "n2", 2, 2, 1, true, false));
        Ready rd = v.handle();
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 2, true, true)), rd.messages());
        assertNull(rd.hardState(), "a pre-vote changes neither term nor vote");
        assertEquals(1, v.core.term());
        // A pre-vote is no promise: the real vote in term 2 may still go to someone else.
        v.core.step(new RequestVote("n3", "n2", 2, 2, 1, false, false));
        assertEquals(List.of(new RequestVoteResponse("n2", "n3", 2, false, true)), v.handle().messages());
        // Reference: dissertation §9.6
    }

    @Test
    @DisplayName("§9.6 pre-vote is refused for a stale log")
    void preVoteRefusedForStaleLog() {
        Node v = voter(2, 1, 1, 1);
        v.core.step(new RequestVote("n1", "n2", 2, 1, 1, true, false));
        Ready rd = v.handle();
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 1, true, false)), rd.messages());
        assertNull(rd.hardState());
        // Reference: dissertation §9.6, section 5.4.1
    }

    @Test
    @DisplayName("§9.6 pre-vote is refused while the voter hears from a live leader, granted once it goes silent")
    void preVoteRefusedWithLiveLeader() {
        Node v = voter(2, 1, 1, 1);
        v.core.step(new Heartbeat("n3", "n2", 1, 0, 1));
        v.handleAll();

        v.core.step(new RequestVote("n1", "n2", 2, 2, 1, true, false));
        assertTrue(sent(v.handle(), RequestVoteResponse.class).isEmpty(), "ignored while the leader is live");

        v.tick(ELECTION_TICKS);
        v.handleAll();
        v.core.step(new RequestVote("n1", "n2", 2, 2, 1, true, false));
        assertEquals(List.of(new RequestVoteResponse("n2", "n1", 2, true, true)),
                sent(v.handle(), RequestVoteResponse.class));
        // Reference: dissertation §9.6 ("if it has not heard from a leader within the election timeout")
    }

    @Test
    @DisplayName("§9.6 a pre-candidate refused by a majority returns to follower in its old term")
    void preCandidateRefusedByMajority() {
        Node n = voter(1, 1, 1);
        n.tickUntilCampaign();
        assertEquals(Role.PRE_CANDIDATE, n.core.role());
        Ready rd = n.handle();
        assertNull(rd.hardState(), "a pre-candidate persists nothing");
        assertEquals(List.of(
                new RequestVote("n1", "n2", 2, 1, 1, true, false),
                new RequestVote("n1", "n3", 2, 1, 1, true, false)), rd.messages());

        n.core.step(new RequestVoteResponse("n2", "n1", 1, true, false));
        n.core.step(new RequestVoteResponse("n3", "n1", 1, true, false));

        assertEquals(Role.FOLLOWER, n.core.role());
        assertEquals(1, n.core.term());
        // Reference: dissertation §9.6
    }

    // ------------------------------------------------------------------ CheckQuorum

    @Test
    @DisplayName("§6.2 CheckQuorum: a leader that hears from no majority for an election timeout steps down")
    void leaderWithoutQuorumStepsDown() {
        RaftTestCluster c = cluster(3);
        c.elect(1);
        c.isolate("n1");

        int ticks = 0;
        while (c.core(1).isLeader()) {
            c.tick("n1");
            ticks++;
            assertTrue(ticks <= 2 * ELECTION_TICKS, "still leader after " + ticks + " ticks alone");
        }
        assertTrue(ticks >= ELECTION_TICKS, "stepped down after only " + ticks + " ticks");
        assertEquals(Role.FOLLOWER, c.core(1).role());
        assertEquals(1, c.core(1).term(), "stepping down does not start a new term");
        assertNull(c.core(1).leaderId());
        // Reference: dissertation §6.2
    }

    @Test
    @DisplayName("§6.2 CheckQuorum: a leader that hears from a majority stays leader")
    void leaderWithQuorumStays() {
        RaftTestCluster c = cluster(3);
        c.elect(1);
        c.isolate("n3");
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tick("n1", "n2");
        }
        assertTrue(c.core(1).isLeader());
        assertEquals(1, c.core(1).term());
        // Reference: dissertation §6.2
    }

    @Test
    @DisplayName("§9.6 a deposed leader learns the new term from the answers to its stale AppendEntries")
    void deposedLeaderLearnsNewTerm() {
        RaftTestCluster c = cluster(3);
        c.elect(1);
        c.isolate("n1");
        for (int i = 0; i < 4 * ELECTION_TICKS && (c.leader() == null || c.leader().id.equals("n1")); i++) {
            c.tick("n2", "n3");
        }
        Node newLeader = c.leader();
        assertTrue(newLeader != null && !newLeader.id.equals("n1") && newLeader.core.term() == 2,
                "n2 or n3 should lead term 2: " + newLeader);
        assertTrue(c.core(1).isLeader(), "n1 has not noticed yet");
        c.heal();

        c.tick("n1"); // its heartbeat carries term 1

        assertEquals(Role.FOLLOWER, c.core(1).role());
        assertEquals(2, c.core(1).term());
        assertTrue(newLeader.core.isLeader(), "the new leader is not disturbed");
        // Reference: dissertation §9.6 (with PreVote/CheckQuorum, stale leaders are told the term)
    }

    @Test
    @DisplayName("§4.2.3 leader stickiness: a follower that heard its leader recently ignores higher-term RequestVote")
    void stickinessIgnoresVotes() {
        Node v = voter(2, 1, 1);
        v.core.step(new Heartbeat("n1", "n2", 1, 0, 1));
        v.tick(ELECTION_TICKS - 1);
        v.handleAll();

        v.core.step(new RequestVote("n3", "n2", 2, 1, 1, false, false));
        v.core.step(new RequestVote("n3", "n2", 2, 1, 1, true, false));
        Ready rd = v.handle();
        assertEquals(1, v.core.term());
        assertEquals("n1", v.core.leaderId());
        assertNull(rd.hardState());
        assertTrue(rd.messages().isEmpty(), "both requests ignored: " + rd.messages());

        // The leader itself asked n3 to take over (TimeoutNow): stickiness does not apply.
        v.core.step(new RequestVote("n3", "n2", 2, 1, 1, false, true));
        rd = v.handle();
        assertEquals(new HardState(2, "n3"), rd.hardState());
        assertEquals(List.of(new RequestVoteResponse("n2", "n3", 2, false, true)), rd.messages());
        // Reference: dissertation §4.2.3, §3.10
    }

    @Test
    @DisplayName("§4.2.3 leader stickiness ends an election timeout after the leader was last heard")
    void stickinessEndsWithElectionTimeout() {
        Node v = voter(2, 1, 1);
        v.core.step(new Heartbeat("n1", "n2", 1, 0, 1));
        v.tick(ELECTION_TICKS);
        v.handleAll();
        // Whether or not n2 has started probing on its own, the leader is no longer "live".

        v.core.step(new RequestVote("n3", "n2", 2, 1, 1, false, false));

        assertEquals(2, v.core.term());
        assertEquals(List.of(new RequestVoteResponse("n2", "n3", 2, false, true)),
                sent(v.handle(), RequestVoteResponse.class));
        // Reference: dissertation §4.2.3
    }
}
