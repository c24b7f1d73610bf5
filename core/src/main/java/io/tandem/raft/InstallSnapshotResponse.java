package io.tandem.raft;

/**
 * The answer to an {@link InstallSnapshot} chunk: the next offset wanted, or {@code done} once the
 * follower holds everything up to {@code lastIncludedIndex}.
 */
public record InstallSnapshotResponse(String from, String to, long term, long lastIncludedIndex,
                                      long nextOffset, boolean done) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.INSTALL_SNAPSHOT_RESPONSE;
    }
}
