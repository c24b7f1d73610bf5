package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.members;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigurationTest {

    private static final Configuration THREE = Configuration.ofVoters(members(1, 2, 3));

    @Test
    @DisplayName("encode/decode round-trips, including learners, empty sets and non-ASCII ids")
    void roundTrip() {
        List<Configuration> cases = List.of(
                Configuration.EMPTY,
                THREE,
                Configuration.of(members(1, 2, 3), members(4, 5)),
                Configuration.of(Map.of("nœud-α", "[::1]:7000"), Map.of("学习者", "host:1")));
        for (Configuration c : cases) {
            assertEquals(c, Configuration.decode(c.encode()), c.toString());
        }
    }

    @Test
    @DisplayName("round-trips random configurations (seeded)")
    void randomRoundTrip() {
        long seed = 0xC0F1L;
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 500; trial++) {
            TreeMap<String, String> v = new TreeMap<>();
            TreeMap<String, String> l = new TreeMap<>();
            int n = r.nextInt(10);
            for (int i = 0; i < n; i++) {
                String id = "n" + r.nextInt(20);
                (r.nextBoolean() ? v : l).putIfAbsent(id, "h" + r.nextInt(1000) + ":" + r.nextInt(65536));
            }
            l.keySet().removeAll(v.keySet());
            Configuration c = Configuration.of(v, l);
            assertEquals(c, Configuration.decode(c.encode()), "seed " + seed + " trial " + trial);
        }
    }

    @Test
    @DisplayName("the encoding is version 1 and deterministic (sorted members)")
    void encodingIsDeterministic() {
        Configuration a = Configuration.ofVoters(Map.of("n2", "b", "n1", "a"));
        Configuration b = Configuration.ofVoters(new TreeMap<>(Map.of("n1", "a", "n2", "b")));
        assertArrayEquals(a.encode(), b.encode());
        assertEquals(1, a.encode()[0]);
        assertEquals(List.of("n1", "n2"), a.members());
    }

    @Test
    @DisplayName("decode rejects an unknown version and corrupt payloads, saying which")
    void decodeErrors() {
        byte[] bytes = THREE.encode();
        bytes[0] = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Configuration.decode(bytes));
        assertEquals("configuration format version 2 is not supported (this build reads version 1)", e.getMessage());

        byte[] truncated = java.util.Arrays.copyOf(THREE.encode(), 7);
        e = assertThrows(IllegalArgumentException.class, () -> Configuration.decode(truncated));
        assertTrue(e.getMessage().startsWith("corrupt configuration payload (7 bytes)"), e.getMessage());

        byte[] huge = {1, 0x7f, 0, 0, 0};
        e = assertThrows(IllegalArgumentException.class, () -> Configuration.decode(huge));
        assertTrue(e.getMessage().contains("member count 2130706432 out of range"), e.getMessage());
    }

    @Test
    @DisplayName("a node cannot be both voter and learner")
    void voterAndLearner() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Configuration.of(members(1, 2), members(2)));
        assertEquals("node n2 cannot be both voter and learner", e.getMessage());
    }

    @Test
    @DisplayName("§4.1 single-server changes: add learner, promote, remove")
    void applyRules() {
        Configuration withLearner = THREE.apply(ConfChange.addLearner("n4", "host4:7000"));
        assertTrue(withLearner.isLearner("n4"));
        assertEquals("host4:7000", withLearner.address("n4"));
        assertEquals(2, withLearner.quorum(), "learners do not count toward the quorum");

        Configuration promoted = withLearner.apply(ConfChange.promote("n4"));
        assertTrue(promoted.isVoter("n4"));
        assertFalse(promoted.isLearner("n4"));
        assertEquals("host4:7000", promoted.address("n4"), "the address survives promotion");
        assertEquals(3, promoted.quorum());

        Configuration removed = promoted.apply(ConfChange.remove("n1"));
        assertFalse(removed.isMember("n1"));
        assertEquals(List.of("n2", "n3", "n4"), removed.members());
        assertEquals(withLearner.apply(ConfChange.remove("n4")), THREE, "removing a learner");
        assertEquals(THREE, Configuration.ofVoters(members(1, 2, 3)), "apply never mutates");
    }

    @Test
    @DisplayName("§4.1 changes that do not apply say why")
    void applyErrors() {
        Configuration withLearner = THREE.apply(ConfChange.addLearner("n4", "host4:7000"));
        assertEquals("cannot add learner n1: already a voter", assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(ConfChange.addLearner("n1", "x:1"))).getMessage());
        assertEquals("cannot add learner n4: already a learner", assertThrows(IllegalArgumentException.class,
                () -> withLearner.apply(ConfChange.addLearner("n4", "x:1"))).getMessage());
        assertEquals("cannot promote n2: not a learner (voters: [n1, n2, n3], learners: [n4])",
                assertThrows(IllegalArgumentException.class,
                        () -> withLearner.apply(ConfChange.promote("n2"))).getMessage());
        assertEquals("cannot remove n9: not a member", assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(ConfChange.remove("n9"))).getMessage());
        Configuration one = Configuration.ofVoters(members(1));
        assertEquals("cannot remove n1: it is the last voter", assertThrows(IllegalArgumentException.class,
                () -> one.apply(ConfChange.remove("n1"))).getMessage());
    }

    @Test
    @DisplayName("ConfChange validates its arguments")
    void confChangeValidation() {
        assertEquals("ConfChange ADD_LEARNER n4 needs the member's address (host:port)",
                assertThrows(IllegalArgumentException.class, () -> ConfChange.addLearner("n4", "")).getMessage());
        assertEquals("ConfChange PROMOTE needs a non-empty nodeId",
                assertThrows(IllegalArgumentException.class, () -> ConfChange.promote("")).getMessage());
        assertThrows(NullPointerException.class, () -> new ConfChange(null, "n1", null));
    }

    @Test
    @DisplayName("quorum is a strict majority of voters")
    void quorumSizes() {
        for (int n = 1; n <= 7; n++) {
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = i + 1;
            }
            assertEquals(n / 2 + 1, Configuration.ofVoters(members(ids)).quorum(), n + " voters");
        }
    }
}
