package io.tandem.raft;

/**
 * A leader's keep-alive. {@code leaderCommit} is capped at the follower's known match index so a
 * follower never commits an entry it has not been shown to hold. {@code roundSeq} numbers the
 * broadcast; answers echo it, and a quorum of echoes confirms leadership for ReadIndex (§6.4).
 */
public record Heartbeat(String from, String to, long term, long leaderCommit, long roundSeq) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.HEARTBEAT;
    }
}
