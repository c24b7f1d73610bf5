package io.tandem.raft;

/** Leadership transfer (dissertation §3.10): the addressee starts an election at once. */
public record TimeoutNow(String from, String to, long term) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.TIMEOUT_NOW;
    }
}
