package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftConfig.InjectedBug;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Raft paper's Figure 8, scripted on the simulator with real message passing, disks and
 * crashes. With the §5.4.2 rule broken (commit an old-term entry by counting replicas), the
 * simulator's invariants must report the lost committed entry; with the rule intact the same
 * script must run clean.
 */
class Figure8SimulationTest {

    @Test
    @DisplayName("§5.4.2 Figure 8: committing an old-term entry by counting replicas is caught")
    void brokenRuleIsCaught() {
        SimulationFailure f = assertThrows(SimulationFailure.class,
                () -> figure8(List.of(InjectedBug.COMMIT_OLD_TERM_BY_COUNTING)));
        assertEquals("LeaderCompleteness", f.invariant(), f.getMessage());
    }

    @Test
    @DisplayName("§5.4.2 Figure 8: the correct rule keeps the entry safe through the same faults")
    void correctRuleRunsClean() {
        figure8(List.of());
    }

    private static void figure8(List<InjectedBug> bugs) {
        Simulator sim = new Simulator(Simulator.scripted(0xF16E8L, 5, 1_000_000).withSingleEntryAppends()
                .withBugs(bugs)).startScripted();
        sim.runFor(1_000);
        String a = sim.leaderId();
        assertNotNull(a);
        List<String> rest = new ArrayList<>(List.of("n1", "n2", "n3", "n4", "n5"));
        rest.remove(a);
        String b = rest.remove(0);
        long termA = sim.core(a).term();

        // (a) The leader replicates x only to b.
        for (String other : rest) {
            sim.cut(a, other);
        }
        long i = sim.proposeOnLeader("x", "from-" + a);
        sim.runFor(30); // shorter than an election timeout: the cut-off nodes have not moved yet
        assertTrue(sim.core(b).lastIndex() >= i, "b must hold x");
        assertEquals(termA, sim.core(rest.get(0)).term(), "the others must still be in the leader's term");

        // (b) a crashes; one of the others wins a later term with an empty entry at index i,
        // which it never manages to replicate.
        sim.crash(a);
        sim.healNetwork();
        sim.isolate(b);
        String[] e2 = new String[1];
        sim.afterEachEvent(s -> {
            String l = s.leaderId();
            if (e2[0] == null && l != null && s.core(l).term() > termA) {
                e2[0] = l;
                s.isolate(l);
            }
        });
        runUntil(sim, () -> e2[0] != null, "a leader among the others");
        sim.clearHooks();
        sim.runFor(50); // let e2's own entry at index i reach its disk before it crashes
        assertTrue(sim.core(e2[0]).durableIndex() >= i, "e2's entry at index i must be durable");
        sim.crash(e2[0]);
        rest.remove(e2[0]);
        String p = rest.get(0);
        String q = rest.get(1);

        // (c) a (or b) leads again and replicates x to p; the moment it counts x as committed, it
        // crashes before its own term's entry reaches p.
        sim.healNetwork();
        sim.cut(a, q);
        sim.cut(b, q);
        sim.restart(a);
        String[] crashed = new String[1];
        sim.afterEachEvent(s -> {
            for (String l : List.of(a, b)) {
                if (crashed[0] == null && s.isUp(l) && s.core(l).isLeader() && s.core(l).commitIndex() >= i) {
                    crashed[0] = l;
                    s.cut(l, p);
                    s.crash(l);
                }
            }
        });
        runUntil(sim, () -> crashed[0] != null, "x committed by a or b");
        sim.clearHooks();

        // (d) e2 returns; p and q may now elect it — with the broken rule, x is lost.
        String survivor = crashed[0].equals(a) ? b : a;
        sim.healNetwork();
        sim.isolate(crashed[0]); // what the dead leader still had in flight is lost with it
        if (sim.isUp(survivor)) {
            sim.isolate(survivor);
        }
        sim.restart(e2[0]);

        sim.runFor(3_000);
        sim.checkSafetyNow();
    }

    private static void runUntil(Simulator sim, java.util.function.BooleanSupplier done, String what) {
        for (int i = 0; i < 500 && !done.getAsBoolean(); i++) {
            sim.runFor(10);
        }
        assertTrue(done.getAsBoolean(), "scenario step did not happen: " + what + "; " + sim.describe());
    }
}
