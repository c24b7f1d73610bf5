package io.tandem.raft;

import java.util.List;

/** AppendEntries (§5.3): entries following {@code (prevLogIndex, prevLogTerm)} and the leader's commit. */
public record AppendEntries(String from, String to, long term, long prevLogIndex, long prevLogTerm,
                            List<Entry> entries, long leaderCommit) implements Message {
    public AppendEntries {
        entries = List.copyOf(entries);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.APPEND_ENTRIES;
    }
}
