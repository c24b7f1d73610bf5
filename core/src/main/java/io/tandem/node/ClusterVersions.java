package io.tandem.node;

import io.tandem.raft.Configuration;
import java.util.TreeMap;

/**
 * The leader's record of the command level each member reads (reported by every member about
 * once a second, see {@link Wire.MemberVersion}), and the rule for raising the cluster version:
 * to the lowest level reported by every voter and learner of the current configuration, once
 * all have reported, never down. Loop thread only.
 */
final class ClusterVersions {

    private final String self;
    private final int ownLevel;
    private final TreeMap<String, Integer> reported = new TreeMap<>();

    ClusterVersions(String self, int ownLevel) {
        this.self = self;
        this.ownLevel = ownLevel;
    }

    void reported(String nodeId, int level) {
        reported.put(nodeId, level);
    }

    /** The version the leader should propose now, or 0 when the cluster version stays. */
    int toPropose(Configuration cfg, int clusterVersion) {
        reported.keySet().removeIf(id -> !cfg.isMember(id));
        int min = ownLevel;
        for (String m : members(cfg)) {
            if (m.equals(self)) {
                continue;
            }
            Integer level = reported.get(m);
            if (level == null) {
                return 0;
            }
            min = Math.min(min, level);
        }
        return min > clusterVersion ? min : 0;
    }

    private static Iterable<String> members(Configuration cfg) {
        TreeMap<String, String> all = new TreeMap<>(cfg.voters());
        all.putAll(cfg.learners());
        return all.keySet();
    }
}
