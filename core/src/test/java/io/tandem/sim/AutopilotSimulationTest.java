package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.Autopilot;
import io.tandem.raft.Configuration;
import io.tandem.raft.EntryType;
import io.tandem.raft.RaftCore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Autopilot on the simulated cluster: three founders, learners joining, voters dying for good and
 * others crashing and coming back. Each node runs its own {@link Autopilot}, fed by the messages
 * delivered to it, and the leader proposes what its autopilot decides. After every event: never
 * two membership changes in flight, and autopilot never removes a voter below the floor. At the
 * end: every dead voter was replaced by a learner and the cluster has its target of 3 running voters.
 */
class AutopilotSimulationTest {

    static LongStream seeds() {
        long base = Long.getLong("tandem.seed", 0xA070L);
        return LongStream.range(0, Integer.getInteger("tandem.autopilotSeeds", 20)).map(i -> base + i);
    }

    /** Starts an empty node and has the leader add it as a learner (what a JoinRequest does). */
    private static void join(Simulator sim, String id) {
        sim.startJoiner(id);
        for (int attempt = 0; attempt < 50; attempt++) {
            if (sim.leaderId() != null && !sim.core(sim.leaderId()).hasPendingConfChange()) {
                sim.onLeader(c -> c.proposeConfChange(io.tandem.raft.ConfChange.addLearner(id, "sim:" + id.substring(1))));
                return;
            }
            sim.runFor(50);
        }
        throw new AssertionError("no leader to add " + id);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void autopilotKeepsTheVoterSetWholeAndNeverBelowTheFloor(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Simulator sim = new Simulator(Simulator.scripted(seed, 3, 300)).startScripted();
        Autopilot.Settings settings = new Autopilot.Settings(1_500, 300, 3, 3, 50);
        TreeMap<String, Autopilot> pilots = new TreeMap<>();
        List<String> removedBelowFloor = new ArrayList<>();
        sim.onDeliver((to, m) -> pilots.computeIfAbsent(to, k -> new Autopilot(settings)).heard(m.from(), sim.nowMs()));
        sim.afterEachEvent(s -> {
            String leader = s.leaderId();
            if (leader == null) {
                return;
            }
            RaftCore core = s.core(leader);
            int inFlight = 0;
            // Changes this leader appended in its own term and has not seen committed. (Entries of
            // older terms above a fresh leader's commit index may well be committed already.)
            for (long i = core.commitIndex() + 1; i <= core.lastIndex(); i++) {
                if (core.entryAt(i).type() == EntryType.CONFIG && core.entryAt(i).term() == core.term()) {
                    inFlight++;
                }
            }
            assertTrue(inFlight <= 1, "seed " + seed + ": " + inFlight + " membership changes in flight on " + leader);
        });
        // Every 50 ms the leader asks its autopilot.
        for (long t = 100; t < 20_000; t += 50) {
            sim.at(t, s -> {
                String leader = s.leaderId();
                if (leader == null) {
                    return;
                }
                RaftCore core = s.core(leader);
                Configuration cfg = core.configuration();
                pilots.computeIfAbsent(leader, k -> new Autopilot(settings))
                        .decide(leader, cfg, core::matchIndex, core.lastIndex(), core.hasPendingConfChange(), s.nowMs())
                        .ifPresent(d -> {
                            if (d.change().type() == io.tandem.raft.ConfChange.Type.REMOVE
                                    && cfg.isVoter(d.change().nodeId()) && cfg.voters().size() - 1 < settings.minVoters()) {
                                removedBelowFloor.add(d.reason());
                            }
                            s.onLeader(c -> c.proposeConfChange(d.change()));
                        });
            });
        }
        sim.runFor(500);
        join(sim, "n4");
        join(sim, "n5");
        sim.runFor(2_000);
        // One founder dies for good; another crashes and comes back; a third learner joins late.
        String dead = "n" + (1 + random.nextInt(3));
        sim.crash(dead);
        sim.runFor(300 + random.nextInt(700));
        String flaky = "n" + (1 + (Integer.parseInt(dead.substring(1)) % 3));
        sim.crash(flaky);
        sim.runFor(200 + random.nextInt(600));
        sim.restart(flaky);
        sim.runFor(2_000);
        join(sim, "n6");
        sim.runFor(20_000 - sim.nowMs());
        sim.clearHooks();
        sim.checkSafetyNow();
        assertEquals(List.of(), removedBelowFloor, "seed " + seed);
        String leader = sim.leaderId();
        assertTrue(leader != null, "seed " + seed + ": no leader at the end");
        Configuration cfg = sim.core(leader).configuration();
        assertEquals(3, cfg.voters().size(), "seed " + seed + ": voters " + cfg.voters().keySet());
        for (String v : cfg.voters().keySet()) {
            assertTrue(sim.isUp(v), "seed " + seed + ": voter " + v + " is down; dead " + dead + ", voters "
                    + cfg.voters().keySet() + ", learners " + cfg.learners().keySet());
        }
        assertTrue(!cfg.isMember(dead), "seed " + seed + ": the dead voter " + dead + " was not removed: " + cfg);
    }
}
