package io.tandem.node;

import java.util.List;

/**
 * Whether a node is alive and whether it can serve. {@code live}: its event loop runs (restart
 * the process if not). {@code ready}: it is a member with an open session that it has renewed in
 * time, it knows a leader, and it has applied what it knows to be committed (within
 * {@code maxApplyLag}) — route traffic to it. {@code problems} says why not, one reason each;
 * {@code warnings} are worth an alert but do not stop it serving (clock skew, say).
 */
public record Health(boolean live, boolean ready, List<String> problems, List<String> warnings) {

    public Health {
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    /** The lines {@code tandem status} prints. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("live: ").append(live ? "yes" : "no").append('\n');
        sb.append("ready: ").append(ready ? "yes" : "no").append('\n');
        for (String p : problems) {
            sb.append("not-ready-because: ").append(p).append('\n');
        }
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }
}
