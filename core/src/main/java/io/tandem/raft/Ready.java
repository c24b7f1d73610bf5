package io.tandem.raft;

import java.util.List;

/**
 * Everything the runtime must do after the core has been stepped, ticked or proposed to. Handle
 * the fields in this order, then call {@link RaftCore#advance(Ready)}:
 * <ol>
 *   <li>{@link #hardState()}: if non-null, make it durable (it gates {@link #messages()}).</li>
 *   <li>{@link #messages()}: send. They depend only on the hard state, not on the new entries
 *       (the leader replicates in parallel with its own write, dissertation §10.2.1).</li>
 *   <li>{@link #entries()}: append to the log. If the first index is at or below the log's last
 *       index, truncate the log from that index first (a follower resolving a conflict).</li>
 *   <li>{@link #snapshotChunks()}: write to the snapshot store; on {@code done}, make it durable.</li>
 *   <li>{@link #persistedMessages()}: send only once every entry and chunk of this and earlier
 *       Readys is durable (follower acknowledgements, §5.3 "durable before acknowledge").
 *       Report durability back with {@link RaftCore#onPersisted(long, long)}.</li>
 *   <li>{@link #snapshot()}: if non-null, restore the state machine from that snapshot and make
 *       the log start after it, before applying any of {@link #committedEntries()}.</li>
 *   <li>{@link #committedEntries()}: apply in order.</li>
 *   <li>{@link #readStates()} / {@link #readFailures()}: complete pending linearizable reads.</li>
 * </ol>
 */
public record Ready(HardState hardState, List<Entry> entries, List<Message> messages,
                    List<Message> persistedMessages, List<SnapshotChunk> snapshotChunks,
                    SnapshotMeta snapshot, List<Entry> committedEntries, List<ReadState> readStates,
                    List<Long> readFailures) {

    public boolean isEmpty() {
        return hardState == null && entries.isEmpty() && messages.isEmpty() && persistedMessages.isEmpty()
                && snapshotChunks.isEmpty() && snapshot == null && committedEntries.isEmpty()
                && readStates.isEmpty() && readFailures.isEmpty();
    }

    /** Index of the last entry to persist, or -1 when there is none. */
    public long lastEntryIndex() {
        return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).index();
    }
}
