package io.tandem.raft;

/** The leader's answer to {@link ReadIndexRequest}; {@code ok=false} when it could not confirm leadership. */
public record ReadIndexResponse(String from, String to, long term, long context, long index, boolean ok)
        implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.READ_INDEX_RESPONSE;
    }
}
