package io.tandem.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable, append-only sequence of {@link LogEntry entries} that Raft replicates. It knows
 * nothing of Raft rules: it checks only that indexes are contiguous. Terms, types, timestamps and
 * payloads are opaque.
 *
 * <h2>Indexes</h2>
 * The log holds the entries {@code [firstIndex(), lastIndex()]}. A new log is empty with
 * {@code firstIndex() == 1} and {@code lastIndex() == 0}. An empty log always has
 * {@code firstIndex() == lastIndex() + 1}; after {@link #reset(long) reset(n)} that is {@code n}.
 * {@link #durableIndex()} {@code <= lastIndex()} is the highest index known to be on disk.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>Mutations ({@link #append}, {@link #truncateSuffix}, {@link #compactPrefix},
 *       {@link #reset}, {@link #close}) are serialized internally, but are meant to come from one
 *       writer thread (the node's event loop or its storage thread); the log has no notion of
 *       interleaving writers.</li>
 *   <li>Reads ({@link #entry}, {@link #entries}, {@link #term}, the index getters) may run on any
 *       thread, concurrently with the writer. They see every append that returned before they
 *       started.</li>
 *   <li>{@link #sync()} may be called from any thread and never blocks. Implementations that do
 *       real I/O complete its futures on their own background thread; callbacks attached to them
 *       must hand work off quickly, or they delay every later sync.</li>
 * </ul>
 *
 * <h2>Durability</h2>
 * {@link #append} makes entries readable, not durable. {@link #sync()} makes them durable; many
 * concurrent calls share one fsync (group commit). {@link #truncateSuffix}, {@link #reset} and
 * {@link #close} are durable when they return. A crash never brings back truncated entries, never
 * loses an entry that {@code sync()} reported durable, and never leaves a gap.
 *
 * <h2>Errors</h2>
 * <ul>
 *   <li>{@link IllegalArgumentException}: the caller broke the contract (a non-contiguous batch,
 *       an entry above the size limit, an inverted range). Nothing was changed.</li>
 *   <li>{@link EntryUnavailableException}: a read asked for an index outside
 *       {@code [firstIndex(), lastIndex()]}; {@link EntryUnavailableException#isCompacted()}
 *       says on which side.</li>
 *   <li>{@link DiskFullException}: an append ran out of space and was rolled back.</li>
 *   <li>{@link StorageException}: an I/O error. If the log could not restore a consistent state
 *       (for instance an fsync failed, after which the page cache cannot be trusted), it is
 *       <em>failed</em>: every later call throws a {@code StorageException} naming the first
 *       cause, and the log must be closed and reopened, which runs recovery.</li>
 *   <li>{@link CorruptLogException}: opening found damage that is not a torn tail.</li>
 *   <li>{@link StorageClosedException}: the log was closed.</li>
 * </ul>
 */
public interface RaftLog extends AutoCloseable {

    /** First index still readable; {@code lastIndex() + 1} when the log is empty. Never blocks. */
    long firstIndex();

    /**
     * Last index appended and not truncated; 0 for a new log, {@code n - 1} right after
     * {@link #reset(long) reset(n)}. Never blocks.
     */
    long lastIndex();

    /** Highest index whose entry, and every entry before it, is known to be on disk. */
    long durableIndex();

    /**
     * The term of the entry at {@code index}.
     *
     * @throws EntryUnavailableException if {@code index} is outside {@code [firstIndex(), lastIndex()]}
     */
    long term(long index);

    /**
     * Appends {@code entries}; they are readable when this returns and durable after a later
     * {@link #sync()}. The whole batch is checked before anything is written. If writing fails
     * part-way, no partial entry is ever visible, now or after a restart; a prefix of whole
     * entries may have been appended (and may also survive a restart), which {@link #lastIndex()}
     * tells.
     *
     * @param entries contiguous entries starting at {@code lastIndex() + 1}; may be empty
     * @throws IllegalArgumentException if the batch does not start at {@code lastIndex() + 1}, has a
     *     gap, or holds an entry larger than the configured limit (message: expected vs actual)
     * @throws DiskFullException if the device is full (the batch was rolled back)
     * @throws StorageException on any other I/O error
     */
    void append(List<LogEntry> entries);

    /**
     * Requests that every entry appended before this call becomes durable. Never blocks.
     *
     * <p>The future completes with an index {@code I >= } the {@code lastIndex()} seen by this call
     * once every entry {@code <= I} is durable, or completes exceptionally with a
     * {@link StorageException} if the fsync failed. If a {@link #truncateSuffix} or {@link #reset}
     * runs while it is pending, it completes with the (durable) {@code lastIndex()} left by that
     * call, which may be lower than what it asked for: the entries above were removed. If
     * everything is already durable the future is returned complete.
     */
    CompletableFuture<Long> sync();

    /**
     * The entry at {@code index}.
     *
     * @throws EntryUnavailableException if {@code index} is outside {@code [firstIndex(), lastIndex()]}
     * @throws CorruptLogException if the stored bytes fail their checksum
     */
    LogEntry entry(long index);

    /**
     * Entries {@code [fromInclusive, toExclusive)} in order, stopping before the total
     * {@link LogEntry#sizeBytes()} would exceed {@code maxBytes}; at least one entry if the range
     * is not empty, however large it is.
     *
     * @throws IllegalArgumentException if {@code fromInclusive > toExclusive} or {@code maxBytes < 0}
     * @throws EntryUnavailableException if a non-empty range starts below {@code firstIndex()} or
     *     ends above {@code lastIndex() + 1}
     */
    List<LogEntry> entries(long fromInclusive, long toExclusive, long maxBytes);

    /**
     * Deletes every entry {@code >= fromIndex} (conflict resolution, Raft §5.3). Durable when it
     * returns: everything that remains is on disk and the removed entries cannot reappear after a
     * crash. A {@code fromIndex} above {@code lastIndex()} changes nothing.
     *
     * @throws IllegalArgumentException if {@code fromIndex < firstIndex()}: compacted entries are
     *     committed and can never be in conflict
     */
    void truncateSuffix(long fromIndex);

    /**
     * Allows the log to discard entries {@code <= upToIndexInclusive}, typically after a snapshot
     * covers them. Implementations may keep some of them (the segmented log drops whole segments
     * only); {@link #firstIndex()} tells what is still readable. {@code lastIndex()} is unchanged.
     */
    void compactPrefix(long upToIndexInclusive);

    /**
     * Drops every entry; the next append must start at {@code nextIndex}. Used after installing a
     * snapshot that reaches beyond the log. Durable when it returns: after a crash the log is either
     * the old one (if this did not return) or the new empty one, never a mix.
     *
     * @throws IllegalArgumentException if {@code nextIndex < 1}
     */
    void reset(long nextIndex);

    /**
     * Makes everything appended durable, completes pending {@link #sync()} futures, and releases
     * files and threads. Idempotent.
     */
    @Override
    void close();
}
