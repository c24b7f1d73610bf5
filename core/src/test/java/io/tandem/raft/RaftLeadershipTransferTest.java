package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.sent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.InvalidArgumentException;
import io.tandem.raft.RaftTestCluster.Node;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Leadership transfer (dissertation §3.10). PreVote and CheckQuorum are on, as in production. */
class RaftLeadershipTransferTest {

    private static RaftTestCluster cluster() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.preVote(true).checkQuorum(true));
        c.elect(1);
        c.tickAll(); // every follower has heard the leader: stickiness is in force
        return c;
    }

    @Test
    @DisplayName("§3.10 a caught-up target gets TimeoutNow and wins at once, without PreVote, despite stickiness")
    void transferToCaughtUpTarget() {
        RaftTestCluster c = cluster();
        Node leader = c.node(1);

        leader.core.transferLeadership("n2");
        Ready rd = leader.handle();
        assertEquals(List.of(new TimeoutNow("n1", "n2", 1)), sent(rd, TimeoutNow.class));
        c.flush();
        c.stabilize();

        assertTrue(c.core(2).isLeader());
        assertEquals(2, c.core(2).term());
        assertEquals(Role.FOLLOWER, c.core(1).role());
        assertEquals("n2", c.core(3).leaderId());
        List<RequestVote> requests = c.delivered(RequestVote.class).stream().filter(rv -> rv.from().equals("n2"))
                .toList();
        assertTrue(!requests.isEmpty() && requests.stream().allMatch(rv -> !rv.preVote() && rv.transfer()),
                "the target skips PreVote and flags its requests as a transfer: " + requests);
        // Reference: dissertation §3.10
    }

    @Test
    @DisplayName("§3.10 the leader first brings the target up to date, refusing proposals meanwhile")
    void transferWaitsForCatchUp() {
        RaftTestCluster c = cluster();
        Node leader = c.node(1);
        c.isolate("n2");
        for (int i = 0; i < 3; i++) {
            leader.core.propose(bytes("x" + i));
        }
        c.stabilize();

        leader.core.transferLeadership("n2");
        c.stabilize();
        assertTrue(c.delivered(TimeoutNow.class).isEmpty() && c.dropped.stream().noneMatch(m -> m instanceof TimeoutNow),
                "TimeoutNow sent to a lagging target");
        ProposalRejectedException e = assertThrows(ProposalRejectedException.class,
                () -> leader.core.propose(bytes("y")));
        assertTrue(e.getMessage().contains("leadership is being transferred to n2"), e.getMessage());
        assertThrows(ProposalRejectedException.class,
                () -> leader.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000")));

        c.heal();
        for (int i = 0; i < ELECTION_TICKS && !c.core(2).isLeader(); i++) {
            c.tick("n1");
        }
        assertTrue(c.core(2).isLeader());
        assertEquals(4, c.core(2).entryAt(4).index(), "the new leader has every entry of the old one");
        assertEquals(List.of("x0", "x1", "x2"), c.node(2).appliedPayloads().subList(0, 3));
        // Reference: dissertation §3.10 steps 1-2
    }

    @Test
    @DisplayName("§3.10 a transfer that does not finish within an election timeout is aborted")
    void transferAborts() {
        RaftTestCluster c = cluster();
        Node leader = c.node(1);
        c.isolate("n2");
        leader.core.propose(bytes("x"));
        c.stabilize();
        leader.core.transferLeadership("n2");

        for (int i = 0; i < ELECTION_TICKS; i++) {
            c.tick("n1", "n3");
        }

        assertTrue(leader.core.isLeader());
        assertEquals(1, leader.core.term());
        leader.core.propose(bytes("y")); // accepted again
        // Reference: dissertation §3.10 ("abort the transfer after about an election timeout")
    }

    @Test
    @DisplayName("§3.10 only voters can take over; transferring to oneself does nothing")
    void transferTargets() {
        RaftTestCluster c = cluster();
        Node leader = c.node(1);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> leader.core.transferLeadership("n9"));
        assertTrue(e.getMessage().contains("cannot transfer leadership to n9, it is not a voter"), e.getMessage());
        leader.core.transferLeadership("n1");
        leader.core.propose(bytes("x"));
        assertThrows(NotLeaderException.class, () -> c.core(2).transferLeadership("n3"));
        // Reference: dissertation §3.10
    }
}
