package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.makeLeader;
import static io.tandem.raft.RaftTestCluster.sent;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftTestCluster.Node;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Linearizable reads without log entries: ReadIndex and lease reads (dissertation §6.4, §6.4.1). */
class RaftReadIndexTest {

    @Test
    @DisplayName("§6.4 leader answers a read only after a majority acknowledges a heartbeat round sent after it")
    void readNeedsMajorityRound() {
        RaftTestCluster c = RaftTestCluster.of(5);
        Node leader = c.elect(1);
        long commit = leader.core.commitIndex();

        leader.core.readIndex(42);
        c.flush();
        List<Heartbeat> round = c.inFlight().stream().map(Heartbeat.class::cast).toList();
        assertEquals(List.of("n2", "n3", "n4", "n5"), round.stream().map(Heartbeat::to).toList(),
                "the read starts a heartbeat round at once");
        assertTrue(leader.readStates.isEmpty());

        c.deliverWhere(m -> m.to().equals("n2"));
        c.deliverWhere(m -> m instanceof HeartbeatResponse);
        assertTrue(leader.readStates.isEmpty(), "leader + n2 are 2 of 5");

        c.stabilize();
        assertEquals(List.of(new ReadState(42, commit)), leader.readStates);
        // Reference: dissertation §6.4 steps 1-3
    }

    @Test
    @DisplayName("one read round in flight: reads arriving during a round go together in the next, sent when it is confirmed")
    void readsDuringARoundShareTheNext() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        long commit = leader.core.commitIndex();

        leader.core.readIndex(1);
        c.flush();
        List<Message> first = c.takeInFlight();
        assertEquals(2, first.stream().filter(Heartbeat.class::isInstance).count(), "round 1 to both followers");

        leader.core.readIndex(2);
        leader.core.readIndex(3);
        c.flush();
        assertTrue(c.inFlight().isEmpty(), "no second round while the first is unconfirmed: " + c.inFlight());

        first.forEach(c::deliver);
        c.flush();
        c.deliverWhere(m -> m instanceof HeartbeatResponse); // round 1 confirmed
        assertEquals(List.of(new ReadState(1, commit)), leader.readStates, "round 1 serves only the read before it");
        List<Message> second = c.takeInFlight();
        assertEquals(2, second.stream().filter(Heartbeat.class::isInstance).count(),
                "confirming round 1 starts round 2 for the reads that waited: " + second);

        second.forEach(c::deliver);
        c.stabilize();
        assertEquals(List.of(new ReadState(1, commit), new ReadState(2, commit), new ReadState(3, commit)),
                leader.readStates);
    }

    @Test
    @DisplayName("a read waiting behind an unanswered round is served by the next heartbeat tick's round")
    void aLostRoundDelaysReadsOnlyUntilTheNextHeartbeat() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        long commit = leader.core.commitIndex();

        leader.core.readIndex(1);
        c.flush();
        c.takeInFlight(); // round 1 is lost
        leader.core.readIndex(2);
        c.flush();
        assertTrue(c.inFlight().isEmpty());

        leader.core.tick(); // heartbeatTicks = 1: the periodic round
        c.stabilize();
        assertEquals(List.of(new ReadState(1, commit), new ReadState(2, commit)), leader.readStates);
    }

    @Test
    @DisplayName("§6.4 acknowledgements of a heartbeat round sent before the read do not confirm it")
    void earlierRoundDoesNotConfirm() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        leader.core.tick();
        c.flush();
        List<Message> earlier = c.takeInFlight();

        leader.core.readIndex(7);
        c.flush();
        List<Message> later = c.takeInFlight();
        earlier.forEach(c::deliver);
        c.flush();
        c.deliverWhere(m -> true);
        assertTrue(leader.readStates.isEmpty(), "answers to an older round confirmed a newer read");

        later.forEach(c::deliver);
        c.stabilize();
        assertEquals(List.of(new ReadState(7, 1)), leader.readStates);
        // Reference: dissertation §6.4 step 3 ("a fresh round of heartbeats")
    }

    @Test
    @DisplayName("§6.4 a new leader defers reads until it has committed an entry of its term")
    void readWaitsForTermCommit() {
        Node n = Node.fresh(config("n1").build(), 1, voters(3));
        makeLeader(n);
        assertEquals(0, n.core.commitIndex());

        n.core.readIndex(7);
        Ready rd = n.handle();
        assertTrue(sent(rd, Heartbeat.class).isEmpty(), "no round before the leader knows the commit index");
        assertTrue(rd.readStates().isEmpty());

        n.core.step(new AppendEntriesResponse("n2", "n1", 1, true, 1, 0, 0, 1));
        rd = n.handle();
        List<Heartbeat> round = sent(rd, Heartbeat.class);
        assertEquals(2, round.size());
        n.core.step(new HeartbeatResponse("n2", "n1", 1, round.get(0).roundSeq(), 1));
        assertEquals(List.of(new ReadState(7, 1)), n.handle().readStates());
        // Reference: dissertation §6.4 step 1
    }

    @Test
    @DisplayName("§6.4 a follower's read goes to the leader and comes back as a ReadState")
    void followerReadForwarded() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        leader.core.propose(bytes("x"));
        c.stabilize();

        c.core(2).readIndex(9);
        c.stabilize();

        assertEquals(List.of(new ReadState(9, 2)), c.node(2).readStates);
        assertEquals(List.of(new ReadIndexRequest("n2", "n1", 1, 9)), c.delivered(ReadIndexRequest.class));
        assertEquals(List.of(new ReadIndexResponse("n1", "n2", 1, 9, 2, true)), c.delivered(ReadIndexResponse.class));
        assertTrue(leader.readStates.isEmpty(), "the leader does not answer the follower's read locally");
        // Reference: dissertation §6.4 ("followers ... request the current commit index from the leader")
    }

    @Test
    @DisplayName("§6.4 with no leader known a read fails at once with its context in readFailures")
    void noLeaderFails() {
        Node n = Node.fresh(config("n2").build(), 2, voters(3));
        n.core.readIndex(5);
        Ready rd = n.handle();
        assertEquals(List.of(5L), rd.readFailures());
        assertTrue(rd.messages().isEmpty());
        // Reference: dissertation §6.4
    }

    @Test
    @DisplayName("§6.4 a deposed leader fails its pending reads, its own and those forwarded to it")
    void deposedLeaderFailsReads() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        c.isolate("n3");
        c.drop(m -> m instanceof HeartbeatResponse);

        leader.core.readIndex(1);
        c.core(2).readIndex(2);
        c.stabilize();
        assertTrue(leader.readStates.isEmpty() && c.node(2).readStates.isEmpty());

        leader.core.step(new AppendEntries("n3", "n1", 2, 1, 1, List.of(), 1));
        c.stabilize();

        assertEquals(Role.FOLLOWER, leader.core.role());
        assertEquals(List.of(1L), leader.readFailures);
        assertEquals(List.of(2L), c.node(2).readFailures);
        assertTrue(leader.readStates.isEmpty() && c.node(2).readStates.isEmpty());
        // Reference: dissertation §6.4
    }

    @Test
    @DisplayName("§6.4 a single-voter cluster answers reads at once")
    void singleNodeAnswersImmediately() {
        RaftTestCluster c = RaftTestCluster.of(1);
        Node leader = c.elect(1);
        assertEquals(1, leader.core.commitIndex());

        leader.core.readIndex(3);
        Ready rd = leader.handle();

        assertEquals(List.of(new ReadState(3, 1)), rd.readStates());
        assertTrue(rd.messages().isEmpty());
        // Reference: dissertation §6.4
    }

    @Test
    @DisplayName("§6.4.1 with leaseReads the leader answers within its lease without a heartbeat round")
    void leaseReads() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.checkQuorum(true).leaseReads(true));
        Node leader = c.elect(1);
        c.tick("n1"); // a round acknowledged by a majority starts the lease

        leader.core.readIndex(5);
        Ready rd = leader.handle();
        assertEquals(List.of(new ReadState(5, 1)), rd.readStates());
        assertTrue(sent(rd, Heartbeat.class).isEmpty(), "no round needed within the lease");

        // Cut off, the lease runs out before CheckQuorum would depose the leader.
        c.isolate("n2", "n3");
        for (int i = 0; i < ELECTION_TICKS - 1; i++) {
            c.tick("n1");
        }
        assertTrue(leader.core.isLeader());
        leader.core.readIndex(6);
        c.stabilize();
        assertFalse(leader.readStates.stream().anyMatch(r -> r.context() == 6), "answered on an expired lease");
        // Reference: dissertation §6.4.1
    }

    @Test
    @DisplayName("§6.4.1 after sending TimeoutNow the leader no longer trusts its lease, even once the transfer aborted")
    void noLeaseAfterTimeoutNow() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.preVote(true).checkQuorum(true).leaseReads(true));
        Node leader = c.elect(1);
        c.tickAll();
        leader.core.transferLeadership("n2");
        c.flush();
        List<Message> timeoutNow = c.takeInFlight().stream().filter(m -> m instanceof TimeoutNow).toList();
        assertEquals(1, timeoutNow.size());

        // The TimeoutNow is delayed; the transfer aborts and fresh rounds are acknowledged.
        for (int i = 0; i < ELECTION_TICKS; i++) {
            c.tick("n1");
        }
        leader.core.propose(bytes("before"));
        c.stabilize();

        // It finally arrives: its transfer flag lets n2 past the voters' stickiness, so n2 wins
        // term 2 within n1's lease and commits a write n1 never sees.
        c.isolate("n1");
        c.node(2).core.step(timeoutNow.get(0));
        c.stabilize();
        Node n2 = c.node(2);
        assertTrue(n2.core.isLeader());
        long written = n2.core.propose(bytes("after"));
        c.stabilize();
        assertEquals(written, n2.core.commitIndex());

        leader.core.readIndex(77);
        c.stabilize();
        assertTrue(leader.readStates.stream().noneMatch(r -> r.context() == 77 && r.index() < written),
                "stale read served from the lease: " + leader.readStates);
        // Reference: dissertation §6.4.1 (the lease rests on voters not electing anyone else), §3.10
    }

    @Test
    @DisplayName("§6.4 without leaseReads every read waits for a round, even right after a heartbeat")
    void noLeaseByDefault() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.checkQuorum(true));
        Node leader = c.elect(1);
        c.tick("n1");

        leader.core.readIndex(5);
        Ready rd = leader.handle();
        assertTrue(rd.readStates().isEmpty());
        assertEquals(2, sent(rd, Heartbeat.class).size());
        // Reference: dissertation §6.4
    }
}
