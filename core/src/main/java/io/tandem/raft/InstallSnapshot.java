package io.tandem.raft;

/**
 * One chunk of a snapshot (§7). Chunks are sent one at a time; the follower answers each with the
 * next offset it expects. {@code configuration} is the encoded {@link Configuration} in effect at
 * {@code lastIncludedIndex}.
 */
public record InstallSnapshot(String from, String to, long term, long lastIncludedIndex, long lastIncludedTerm,
                              byte[] configuration, long offset, byte[] data, boolean done) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.INSTALL_SNAPSHOT;
    }
}
