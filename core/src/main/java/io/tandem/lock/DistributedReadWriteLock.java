package io.tandem.lock;

import io.tandem.state.LockKind;

/**
 * A cluster-wide read-write lock: many readers or one writer, granted strictly in arrival order
 * (a reader that arrives after a waiting writer waits for it, so writers are not starved). Every
 * grant, read or write, carries a fencing token greater than every earlier grant's. Obtain with
 * {@code tandem.readWriteLock(name)}.
 */
public final class DistributedReadWriteLock {

    private final DistributedLock read;
    private final DistributedLock write;
    private final String name;

    public DistributedReadWriteLock(LockService service, String name) {
        this.name = name;
        this.read = new DistributedLock(service, LockKind.RWLOCK, name, 1, 0);
        this.write = new DistributedLock(service, LockKind.RWLOCK, name, LockKind.RW_CAPACITY, 0);
    }

    public String name() {
        return name;
    }

    /** Shared: held together with other readers, never with a writer. */
    public DistributedLock readLock() {
        return read;
    }

    /** Exclusive: held alone. */
    public DistributedLock writeLock() {
        return write;
    }
}
