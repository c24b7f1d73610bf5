package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.ConfChange;
import io.tandem.raft.Configuration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AutopilotTest {

    private final Autopilot pilot = new Autopilot(new Autopilot.Settings(10_000, 2_000, 3, 3, 100));
    private final Map<String, Long> match = new LinkedHashMap<>();

    private static Configuration cfg(String voters, String learners) {
        LinkedHashMap<String, String> v = new LinkedHashMap<>();
        for (String id : voters.split(",")) {
            v.put(id, id + ":1");
        }
        Configuration c = Configuration.ofVoters(v);
        if (!learners.isEmpty()) {
            for (String id : learners.split(",")) {
                c = c.apply(ConfChange.addLearner(id, id + ":1"));
            }
        }
        return c;
    }

    private Optional<Autopilot.Decision> decide(Configuration c, long now) {
        return pilot.decide("n1", c, id -> match.getOrDefault(id, 1_000L), 1_000, false, now);
    }

    private void hearAll(Configuration c, long now) {
        c.voters().keySet().forEach(id -> pilot.heard(id, now));
        c.learners().keySet().forEach(id -> pilot.heard(id, now));
    }

    @Test
    void aLearnerIsPromotedOnlyAfterItWasCaughtUpForTheStabilizationTime() {
        Configuration c = cfg("n1,n2", "n3");
        hearAll(c, 0);
        assertEquals(Optional.empty(), decide(c, 0));
        hearAll(c, 1_000);
        assertEquals(Optional.empty(), decide(c, 1_000));
        hearAll(c, 2_000);
        assertEquals(ConfChange.promote("n3"), decide(c, 2_000).orElseThrow().change());
    }

    @Test
    void aLaggingLearnerRestartsItsStabilization() {
        Configuration c = cfg("n1,n2", "n3");
        hearAll(c, 0);
        decide(c, 0);
        match.put("n3", 100L); // 900 entries behind
        hearAll(c, 1_500);
        decide(c, 1_500);
        match.put("n3", 1_000L);
        hearAll(c, 2_500);
        assertEquals(Optional.empty(), decide(c, 2_500), "caught up again only now");
        hearAll(c, 4_500);
        assertTrue(decide(c, 4_500).isPresent());
    }

    @Test
    void aDeadVoterIsReplacedByPromotingFirstThenRemoving() {
        Configuration c = cfg("n1,n2,n3", "n4");
        hearAll(c, 0);
        decide(c, 0);
        for (long t = 1_000; t <= 12_000; t += 1_000) {
            pilot.heard("n1", t);
            pilot.heard("n2", t);
            pilot.heard("n4", t);
        }
        Autopilot.Decision first = decide(c, 12_000).orElseThrow();
        assertEquals(ConfChange.promote("n4"), first.change(), first.reason());
        Configuration promoted = c.apply(ConfChange.promote("n4"));
        Autopilot.Decision second = decide(promoted, 12_500).orElseThrow();
        assertEquals(ConfChange.remove("n3"), second.change(), second.reason());
        assertEquals(Optional.empty(), decide(promoted.apply(ConfChange.remove("n3")), 13_000));
    }

    @Test
    void withoutAReplacementADeadVoterStaysAndTheFloorHolds() {
        Configuration c = cfg("n1,n2,n3", "");
        hearAll(c, 0);
        decide(c, 0);
        pilot.heard("n2", 20_000);
        assertEquals(Optional.empty(), decide(c, 20_000), "three voters, target 3, floor 3: never shrink");
        Autopilot low = new Autopilot(new Autopilot.Settings(10_000, 0, 3, 3, 100));
        Configuration five = cfg("n1,n2,n3,n4,n5", "");
        low.decide("n1", five, id -> 1_000L, 1_000, false, 0);
        low.heard("n5", 20_000);
        Optional<Autopilot.Decision> d = low.decide("n1", five, id -> 1_000L, 1_000, false, 20_000);
        assertEquals(Optional.empty(), d, "three dead of five: removing one would leave 4 voters with only 2 live");
    }

    @Test
    void nothingIsDecidedWhileAChangeIsPendingAndAFreshLeaderWaits() {
        Configuration c = cfg("n1,n2", "n3");
        assertEquals(Optional.empty(), pilot.decide("n1", c, id -> 1_000L, 1_000, true, 50_000));
        // Never heard of n2 at all, yet this leader only started deciding at 50 s: not dead.
        assertEquals(Optional.empty(), pilot.decide("n1", cfg("n1,n2,n3", ""), id -> 1_000L, 1_000, false, 55_000));
    }

    @Test
    void aSilentLearnerIsRemoved() {
        Configuration c = cfg("n1,n2,n3", "old");
        hearAll(c, 0);
        decide(c, 0);
        pilot.heard("n2", 11_000);
        pilot.heard("n3", 11_000);
        Autopilot.Decision d = decide(c, 11_000).orElseThrow();
        assertEquals(ConfChange.remove("old"), d.change());
        assertTrue(pilot.recentDecisions().get(0).startsWith("remove learner old"));
    }

    @Test
    void aLearnerJustAddedIsNotCondemnedForSilenceBeforeItJoined() {
        // The leader took office at 0 and has been deciding since; at 233 s a learner is added and
        // has not answered yet 130 ms later. Silence counts from when it became a member.
        Configuration before = cfg("n1,n2,n3", "");
        hearAll(before, 0);
        decide(before, 0);
        Configuration after = cfg("n1,n2,n3", "limits");
        for (long now = 1_000; now < 233_000; now += 1_000) {
            hearAll(before, now);
            decide(now < 233_000 ? before : after, now);
        }
        hearAll(before, 233_000);
        assertEquals(Optional.empty(), decide(after, 233_000), "added now");
        hearAll(before, 233_130);
        assertEquals(Optional.empty(), decide(after, 233_130), "130 ms later, not yet heard: still fine");
        hearAll(before, 243_000);
        Autopilot.Decision d = decide(after, 243_000).orElseThrow();
        assertEquals(ConfChange.remove("limits"), d.change(), "silent for the whole dead-server time since it was"
                + " added: removed");
        assertTrue(d.reason().contains("unheard for 10000 ms"), d.reason());
    }

    @Test
    void leadershipIsHandedToAReachableVoterEvenIfADownOneHasTheLongerLog() {
        Configuration c = cfg("n1,n2,n3", "n4");
        Map<String, Long> matches = Map.of("n2", 120L, "n3", 100L, "n4", 130L);
        // n2 has the longest log but went down 5 s ago; n3 answered 20 ms ago; n4 is a learner.
        Map<String, Long> silence = Map.of("n2", 5_000L, "n3", 20L, "n4", 10L);
        assertEquals("n3", Autopilot.handoverTarget("n1", c, matches::get, silence, id -> true, 200));
        assertEquals("n2", Autopilot.handoverTarget("n1", c, matches::get, Map.of("n2", 30L, "n3", 20L),
                id -> true, 200), "both reachable: the longer log wins");
        assertEquals(null, Autopilot.handoverTarget("n1", c, matches::get, silence, id -> !id.equals("n3"), 200),
                "never heard from counts as unreachable");
    }
}
