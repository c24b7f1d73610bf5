package io.tandem.storage;

/**
 * Durable storage of {@link TermAndVote}.
 *
 * <p><b>Threads:</b> all methods are thread-safe; in a node only the event loop or its storage
 * thread calls {@link #save}. <b>Blocking:</b> {@link #load()} returns the last saved value from
 * memory and never blocks; {@link #save} blocks until the new value is durable (for the file
 * store: two fsyncs and a rename). Raft must not answer a vote or a term change before
 * {@code save} returns (§5.1).
 *
 * <p><b>Errors:</b> {@link CorruptStorageException} when opening finds a damaged file (named in
 * the message); {@link StorageException} when a save fails, after which the previous value is
 * still the durable one; {@link StorageClosedException} after {@link #close()}.
 */
public interface MetaStore extends AutoCloseable {

    /** The last saved value, or {@link TermAndVote#INITIAL} if nothing was ever saved. */
    TermAndVote load();

    /** Makes {@code state} durable, atomically replacing the previous value. */
    void save(TermAndVote state);

    @Override
    void close();
}
