package io.tandem.raft;

/**
 * The answer to {@link AppendEntries}.
 *
 * @param index        on success the follower's match index (durable); on rejection the
 *                     {@code prevLogIndex} that did not match, so the leader can drop stale answers
 * @param conflictTerm on rejection the follower's term at {@code index} (0 if it has no entry
 *                     there), with {@code conflictIndex} the first index it holds of that term, or
 *                     its last index + 1 — the fast backtracking hint (dissertation §5.3 note)
 */
public record AppendEntriesResponse(String from, String to, long term, boolean success, long index,
                                    long conflictIndex, long conflictTerm, long lastLogIndex)
        implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.APPEND_ENTRIES_RESPONSE;
    }
}
