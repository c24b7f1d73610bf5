package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.id;
import static io.tandem.raft.RaftTestCluster.makeLeader;
import static io.tandem.raft.RaftTestCluster.members;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.InvalidArgumentException;
import io.tandem.raft.RaftTestCluster.Node;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Learners and single-server membership changes (dissertation §4.1–§4.2, §4.2.2, and the
 * single-server change bug reported on raft-dev in 2015).
 */
class RaftMembershipTest {

    /** Voters n1..nV and learners n(V+1)..n(V+L), all founders. */
    private static RaftTestCluster cluster(int voters, int learners, UnaryOperator<RaftConfig.Builder> tweak) {
        int[] v = new int[voters];
        int[] l = new int[learners];
        for (int i = 0; i < voters; i++) {
            v[i] = i + 1;
        }
        for (int i = 0; i < learners; i++) {
            l[i] = voters + i + 1;
        }
        Configuration bootstrap = Configuration.of(members(v), members(l));
        RaftTestCluster c = new RaftTestCluster();
        for (int i = 1; i <= voters + learners; i++) {
            c.add(Node.fresh(tweak.apply(config(id(i))).build(), 60 + i, bootstrap));
        }
        return c;
    }

    /** Ticks the leader (heartbeats let it resend what was lost) until {@code done}. */
    private static void tickLeaderUntil(RaftTestCluster c, String leader, java.util.function.BooleanSupplier done) {
        for (int i = 0; i < 5 * ELECTION_TICKS && !done.getAsBoolean(); i++) {
            c.tick(leader);
        }
        assertTrue(done.getAsBoolean(), "condition not reached: " + c.leader());
    }

    // ------------------------------------------------------------------ learners

    @Test
    @DisplayName("§4.2.1 a learner receives entries but is not counted for commitment")
    void learnerNotCountedForCommit() {
        RaftTestCluster c = cluster(2, 1, b -> b);
        Node leader = c.elect(1);
        c.isolate("n2");

        leader.core.propose(bytes("x"));
        c.stabilize();

        assertEquals(2, c.core(3).lastIndex(), "the learner has the entry");
        assertEquals(2, leader.core.matchIndex("n3"));
        assertEquals(1, leader.core.commitIndex(), "leader + learner are not a majority of {n1, n2}");

        c.heal();
        tickLeaderUntil(c, "n1", () -> c.core(3).commitIndex() == 2);
        assertEquals(List.of("x"), c.node(3).appliedPayloads(), "the learner applies committed entries");
        // Reference: dissertation §4.2.1
    }

    @Test
    @DisplayName("§4.2.1 a learner never campaigns, however long it goes without a leader")
    void learnerNeverCampaigns() {
        RaftTestCluster c = cluster(2, 1, b -> b.preVote(true));
        for (int i = 0; i < 20 * ELECTION_TICKS; i++) {
            c.tick("n3");
        }
        assertEquals(Role.FOLLOWER, c.core(3).role());
        assertEquals(0, c.core(3).term());
        assertTrue(c.delivered.isEmpty() && c.dropped.isEmpty(), "the learner sent " + c.delivered);
        // Reference: dissertation §4.2.1
    }

    @Test
    @DisplayName("§4.2.1 promotion is rejected while the learner lags more than learnerCatchUpMaxLagEntries")
    void promotionWaitsForCatchUp() {
        RaftTestCluster c = cluster(3, 1, b -> b.learnerCatchUpMaxLagEntries(2));
        Node leader = c.elect(1);
        c.isolate("n4");
        for (int i = 0; i < 5; i++) {
            leader.core.propose(bytes("x" + i));
        }
        c.stabilize();
        assertEquals(6, leader.core.commitIndex());

        ProposalRejectedException e = assertThrows(ProposalRejectedException.class,
                () -> leader.core.proposeConfChange(ConfChange.promote("n4")));
        assertTrue(e.getMessage().contains("learner n4 is not caught up (match 1, commit 6, allowed lag 2)"),
                e.getMessage());
        assertFalse(leader.core.configuration().isVoter("n4"));

        c.heal();
        tickLeaderUntil(c, "n1", () -> leader.core.matchIndex("n4") == 6);
        long index = leader.core.proposeConfChange(ConfChange.promote("n4"));
        c.stabilize();
        assertEquals(index, leader.core.commitIndex());
        for (Node n : c.nodes()) {
            assertTrue(n.core.configuration().isVoter("n4"), n.id);
        }
        // Reference: dissertation §4.2.1 (catching up new servers)
    }

    // ------------------------------------------------------------------ proposing changes

    @Test
    @DisplayName("§4.1 a new leader refuses membership changes until an entry of its term has committed")
    void confChangeWaitsForTermCommit() {
        Node n = Node.fresh(config("n1").build(), 1, voters(3));
        makeLeader(n);

        ProposalRejectedException e = assertThrows(ProposalRejectedException.class,
                () -> n.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000")));
        assertTrue(e.getMessage().contains("no entry of this term is committed yet"), e.getMessage());

        n.core.step(new AppendEntriesResponse("n2", "n1", 1, true, 1, 0, 0, 1));
        assertEquals(1, n.core.commitIndex());
        assertEquals(2, n.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000")));
        // Reference: raft-dev 2015 "bug in single-server membership changes" (Ongaro); dissertation §4.1 errata
    }

    @Test
    @DisplayName("§4.1 a membership change is refused while the previous one is uncommitted")
    void oneChangeAtATime() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        c.isolate("n2", "n3");

        long first = leader.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000"));
        ProposalRejectedException e = assertThrows(ProposalRejectedException.class,
                () -> leader.core.proposeConfChange(ConfChange.addLearner("n5", "host5:7000")));
        assertTrue(e.getMessage().contains("the configuration change at index " + first + " is not committed yet"),
                e.getMessage());

        c.heal();
        tickLeaderUntil(c, "n1", () -> leader.core.commitIndex() >= first);
        leader.core.proposeConfChange(ConfChange.addLearner("n5", "host5:7000"));
        assertEquals(List.of("n4", "n5"), List.copyOf(leader.core.configuration().learners().keySet()));
        // Reference: dissertation §4.1
    }

    @Test
    @DisplayName("§4.1 a change that does not apply to the configuration is an invalid argument")
    void invalidChange() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> leader.core.proposeConfChange(ConfChange.addLearner("n2", "host2:7000")));
        assertEquals("node n1: cannot add learner n2: already a voter", e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> leader.core.proposeConfChange(ConfChange.promote("n9")));
        assertEquals(1, leader.core.lastIndex(), "nothing was appended");
        // Reference: dissertation §4.1
    }

    @Test
    @DisplayName("§4.1 a non-leader refuses proposals and names the leader")
    void followerRefusesProposals() {
        RaftTestCluster c = RaftTestCluster.of(3);
        c.elect(1);
        NotLeaderException e = assertThrows(NotLeaderException.class,
                () -> c.core(2).proposeConfChange(ConfChange.remove("n3")));
        assertEquals("n1", e.leaderHint());
        assertThrows(NotLeaderException.class, () -> c.core(2).propose(bytes("x")));
        // Reference: section 5.1 ("if a client contacts a follower, the follower redirects it")
    }

    // ------------------------------------------------------------------ when a configuration is in effect

    @Test
    @DisplayName("§4.1 a configuration takes effect when appended and reverts if its entry is truncated")
    void configurationEffectiveOnAppendRevertsOnTruncate() {
        Node n = Node.fresh(config("n2").build(), 2, voters(3));
        Configuration withLearner = voters(3).apply(ConfChange.addLearner("n4", "host4:7000"));
        n.core.step(new AppendEntries("n1", "n2", 1, 0, 0, List.of(
                new Entry(1, 1, EntryType.NOOP, 0, null),
                new Entry(2, 1, EntryType.CONFIG, 0, withLearner.encode())), 1));

        assertEquals(1, n.core.commitIndex());
        assertEquals(withLearner, n.core.configuration(), "in effect before it commits");
        n.handleAll();

        // A new leader of term 2 never had index 2: the follower's entry is replaced.
        n.core.step(new AppendEntries("n3", "n2", 2, 1, 1, List.of(new Entry(2, 2, EntryType.NOOP, 0, null)), 1));

        assertEquals(2, n.core.termAt(2));
        assertEquals(voters(3), n.core.configuration(), "back to the last configuration still in the log");
        // Reference: dissertation §4.1 ("a server always uses the latest configuration in its log")
    }

    @Test
    @DisplayName("§4.1 a leader starts replicating to a new member as soon as the change is appended")
    void leaderUsesNewConfigurationAtOnce() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        c.add(new Node(config("n4").build(), 4, HardState.INITIAL, new SnapshotMeta(0, 0, Configuration.EMPTY),
                List.of()));

        leader.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000"));
        assertTrue(leader.core.progressSummary().containsKey("n4"));
        // No further proposals: the cluster is idle, and the new member must still be probed.
        c.stabilize();

        assertEquals(2, c.core(4).lastIndex(), "the joining node received the whole log");
        assertTrue(c.core(4).configuration().isLearner("n4"));
        c.tick("n1");
        assertEquals(2, c.core(4).commitIndex());
        for (int i = 0; i < 3 * ELECTION_TICKS; i++) {
            c.tick("n1");
        }
        assertEquals(List.of(1L, 2L), c.node(4).appliedIndexes());
        // Reference: dissertation §4.1
    }

    @Test
    @DisplayName("§4.2.2 a removed leader keeps leading until the removal commits, without counting itself, then steps down")
    void leaderRemovingItselfStepsDown() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        c.isolate("n3");

        long index = leader.core.proposeConfChange(ConfChange.remove("n1"));
        c.stabilize();
        assertTrue(leader.core.isLeader());
        assertFalse(leader.core.configuration().isMember("n1"));
        assertEquals(1, leader.core.commitIndex(),
                "n1 + n2 were a majority of the old configuration, but n1 no longer counts");

        c.heal();
        tickLeaderUntil(c, "n1", () -> !leader.core.isLeader());
        assertEquals(Role.FOLLOWER, leader.core.role());
        Node successor = c.leader();
        assertTrue(successor != null && successor.core.term() == 2, "a successor leads term 2: " + successor);
        assertTrue(c.delivered(TimeoutNow.class).stream().anyMatch(t -> t.from().equals("n1")),
                "the removed leader handed over with TimeoutNow");
        assertTrue(successor.core.commitIndex() >= index);

        // The removed node never campaigns again.
        int before = c.delivered.size();
        for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
            c.tick("n1");
        }
        assertEquals(before, c.delivered.size());
        assertEquals(Role.FOLLOWER, leader.core.role());
        // Reference: dissertation §4.2.2
    }
}
