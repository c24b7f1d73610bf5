package io.tandem.raft;

/** A follower or learner asks the leader for a read index on behalf of {@code context}. */
public record ReadIndexRequest(String from, String to, long term, long context) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.READ_INDEX_REQUEST;
    }
}
