package io.tandem.remote;

import io.tandem.node.NodeStatus;
import java.util.List;

/**
 * A node's status as the {@code STATUS} answer carries it: one {@code name: value} line per
 * field, names padded to one column. The names are stable, so scripts may grep them
 * ({@code leader: n2}; {@code leader: none} while there is none).
 */
final class StatusText {

    private StatusText() {
    }

    static String of(NodeStatus s) {
        StringBuilder sb = new StringBuilder();
        line(sb, "node", s.nodeId());
        line(sb, "phase", s.phase());
        line(sb, "role", s.role() == null ? "none" : s.role().name());
        line(sb, "term", s.term());
        line(sb, "leader", s.leaderId() == null ? "none" : s.leaderId());
        line(sb, "commit", s.commitIndex());
        line(sb, "applied", s.appliedIndex());
        line(sb, "last-index", s.lastIndex());
        line(sb, "snapshot", s.snapshotIndex());
        line(sb, "voters", join(s.voters()));
        line(sb, "learners", join(s.learners()));
        line(sb, "session", s.sessionId());
        line(sb, "revision", s.revision());
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, Object value) {
        sb.append(String.format("%-11s %s", name + ":", value)).append('\n');
    }

    private static String join(List<String> ids) {
        return ids.isEmpty() ? "none" : String.join(",", ids);
    }
}
