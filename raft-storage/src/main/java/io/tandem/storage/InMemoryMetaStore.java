package io.tandem.storage;

import java.util.Objects;

/** A {@link MetaStore} in memory, for tests and the simulator. Survives nothing but its own lifetime. */
public final class InMemoryMetaStore implements MetaStore {

    private TermAndVote state = TermAndVote.INITIAL;
    private boolean closed;

    @Override
    public synchronized TermAndVote load() {
        checkOpen();
        return state;
    }

    @Override
    public synchronized void save(TermAndVote newState) {
        checkOpen();
        state = Objects.requireNonNull(newState, "state");
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageClosedException("InMemoryMetaStore");
        }
    }
}
