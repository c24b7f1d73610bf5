package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.ConfChange;
import io.tandem.raft.Role;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Short scripted runs on the simulator for the known traps of Raft. Invariants are still checked
 * after every simulated event.
 */
class ScenarioSimulationTest {

    private static Simulator cluster(int nodes, int snapshotEvery) {
        Simulator sim = new Simulator(Simulator.scripted(0x5CE7A610L + nodes, nodes, snapshotEvery)).startScripted();
        sim.runFor(1_000);
        assertNotNull(sim.leaderId(), "a leader within 1 s");
        return sim;
    }

    @Test
    @DisplayName("§9.6 an isolated leader steps down (CheckQuorum); the majority elects another; on heal nothing is lost")
    void isolatedLeaderIsReplaced() {
        Simulator sim = cluster(3, 1_000);
        String old = sim.leaderId();
        long oldTerm = sim.core(old).term();
        long committedBefore = sim.proposeOnLeader("k", "before");
        sim.runFor(200);
        sim.isolate(old);
        sim.runFor(1_500);
        assertNotEquals(Role.LEADER, sim.core(old).role(), "isolated leader must step down by CheckQuorum");
        String fresh = sim.leaderId();
        assertNotNull(fresh);
        assertNotEquals(old, fresh);
        long index = sim.proposeOnLeader("k", "after");
        sim.runFor(300);
        assertTrue(sim.core(fresh).commitIndex() >= index);
        sim.healNetwork();
        sim.runFor(1_000);
        assertEquals(fresh, sim.leaderId(), "the healed old leader must not disrupt the new one");
        assertEquals(sim.core(fresh).term(), sim.core(old).term());
        assertTrue(sim.core(fresh).term() > oldTerm);
        assertTrue(sim.appliedIndex(old) >= Math.max(index, committedBefore), "old leader catches up");
        sim.checkSafetyNow();
    }

    @Test
    @DisplayName("§9.6 PreVote: a partitioned follower does not inflate its term or disrupt the leader on rejoin")
    void partitionedFollowerDoesNotInflateTerm() {
        Simulator sim = cluster(3, 1_000);
        String leader = sim.leaderId();
        long term = sim.core(leader).term();
        String follower = leader.equals("n1") ? "n2" : "n1";
        sim.isolate(follower);
        sim.runFor(5_000);
        assertEquals(term, sim.core(follower).term(), "pre-votes must not raise the isolated node's term");
        sim.healNetwork();
        sim.runFor(1_000);
        assertEquals(leader, sim.leaderId());
        assertEquals(term, sim.core(leader).term());
        sim.checkSafetyNow();
    }

    @Test
    @DisplayName("§4.2.3 a removed server that never learned of its removal does not disrupt the cluster")
    void removedServerDoesNotDisrupt() {
        Simulator sim = cluster(3, 1_000);
        String leader = sim.leaderId();
        String victim = leader.equals("n3") ? "n2" : "n3";
        sim.startJoiner("n4");
        sim.onLeader(c -> c.proposeConfChange(ConfChange.addLearner("n4", "sim:n4")));
        sim.runFor(500);
        sim.onLeader(c -> c.proposeConfChange(ConfChange.promote("n4")));
        sim.runFor(500);
        sim.isolate(victim);
        sim.onLeader(c -> c.proposeConfChange(ConfChange.remove(victim)));
        sim.runFor(500);
        assertTrue(!sim.core(leader).configuration().isMember(victim));
        assertTrue(sim.core(victim).configuration().isVoter(victim), "the victim must not have heard of its removal");
        long term = sim.core(leader).term();
        sim.healNetwork();
        sim.runFor(5_000);
        assertEquals(leader, sim.leaderId(), "the removed server's elections must not depose the leader");
        assertEquals(term, sim.core(leader).term());
        long index = sim.proposeOnLeader("k", "v");
        sim.runFor(300);
        assertTrue(sim.core("n4").commitIndex() >= index);
        sim.checkSafetyNow();
    }

    @Test
    @DisplayName("§7 a crashed follower restarts after the leader compacted and catches up through InstallSnapshot")
    void crashedFollowerCatchesUpBySnapshot() {
        Simulator sim = cluster(3, 10);
        String leader = sim.leaderId();
        String follower = leader.equals("n1") ? "n2" : "n1";
        sim.crash(follower);
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = sim.proposeOnLeader("k" + (i % 5), "v" + i);
            sim.runFor(10);
        }
        sim.runFor(500);
        assertTrue(sim.core(leader).snapshotIndex() > 0, "leader must have compacted");
        sim.restart(follower);
        sim.runFor(2_000);
        assertTrue(sim.appliedIndex(follower) >= last, "follower applied " + sim.appliedIndex(follower) + " < " + last);
        assertTrue(sim.core(follower).snapshotIndex() > 0, "follower must have installed a snapshot");
        sim.checkSafetyNow();
    }

    @Test
    @DisplayName("§3.10 leadership transfer hands over to the chosen voter within an election timeout")
    void leadershipTransfer() {
        Simulator sim = cluster(5, 1_000);
        String leader = sim.leaderId();
        long term = sim.core(leader).term();
        String target = leader.equals("n5") ? "n4" : "n5";
        sim.onLeader(c -> c.transferLeadership(target));
        sim.runFor(150);
        assertEquals(target, sim.leaderId());
        assertEquals(term + 1, sim.core(target).term());
        sim.checkSafetyNow();
    }

    @Test
    @DisplayName("§4.2.2 a leader that removes itself steps down once the removal commits; the rest elect a leader")
    void leaderRemovesItself() {
        Simulator sim = cluster(5, 1_000);
        String leader = sim.leaderId();
        sim.onLeader(c -> c.proposeConfChange(ConfChange.remove(leader)));
        sim.runFor(1_000);
        String next = sim.leaderId();
        assertNotNull(next);
        assertNotEquals(leader, next);
        assertTrue(!sim.core(next).configuration().isMember(leader));
        long index = sim.proposeOnLeader("k", "v");
        sim.runFor(300);
        assertTrue(sim.core(next).commitIndex() >= index);
        sim.checkSafetyNow();
    }
}
