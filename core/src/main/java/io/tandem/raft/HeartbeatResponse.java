package io.tandem.raft;

/** The answer to {@link Heartbeat}, echoing its round number. */
public record HeartbeatResponse(String from, String to, long term, long roundSeq, long lastLogIndex)
        implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.HEARTBEAT_RESPONSE;
    }
}
