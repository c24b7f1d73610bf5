package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.raft.Configuration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The leader raises the cluster version only once every voter and learner reads the new level. */
class ClusterVersionsTest {

    private final Configuration cfg = Configuration.of(Map.of("n1", "a:1", "n2", "a:2", "n3", "a:3"),
            Map.of("l1", "a:4"));

    @Test
    void waitsForEveryMemberIncludingLearners() {
        ClusterVersions v = new ClusterVersions("n1", 3);
        v.reported("n2", 3);
        v.reported("n3", 3);
        assertEquals(0, v.toPropose(cfg, 1), "the learner has not reported");
        v.reported("l1", 2);
        assertEquals(2, v.toPropose(cfg, 1), "the lowest level every member reads");
        assertEquals(0, v.toPropose(cfg, 2), "already there");
        v.reported("l1", 3);
        assertEquals(3, v.toPropose(cfg, 2));
    }

    @Test
    void neverProposesALowerVersionAndForgetsRemovedMembers() {
        ClusterVersions v = new ClusterVersions("n1", 2);
        v.reported("n2", 1);
        v.reported("n3", 2);
        v.reported("l1", 2);
        assertEquals(0, v.toPropose(cfg, 2), "a member reading less never lowers the version");
        v.reported("gone", 1);
        Configuration smaller = Configuration.of(Map.of("n1", "a:1", "n3", "a:3"), Map.of("l1", "a:4"));
        assertEquals(0, v.toPropose(smaller, 2));
        assertEquals(2, v.toPropose(smaller, 1), "n2 and gone are no longer members");
    }
}
