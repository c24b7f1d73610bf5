package io.tandem.raft;

/**
 * What must be durable before any message that depends on it is sent (§5.1 Figure 2):
 * the current term and the vote cast in it ({@code null} when none).
 */
public record HardState(long term, String votedFor) {

    public static final HardState INITIAL = new HardState(0, null);
}
