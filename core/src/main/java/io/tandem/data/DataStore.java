package io.tandem.data;

import io.tandem.CompactedException;
import io.tandem.InvalidArgumentException;
import io.tandem.SessionExpiredException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.VersionConflictException;
import io.tandem.node.RaftNode;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Versioned key/value records replicated through the cluster's log.
 *
 * <p>Writes are linearizable. Reads are linearizable by default on any node (a ReadIndex round
 * with the leader, then a local read once that index is applied); {@link ReadConsistency#STALE}
 * reads the local replica at once. Every blocking method has an {@code …Async} twin; blocking
 * methods throw the {@link TandemException} subclasses named below, async ones complete
 * exceptionally with them. Thread-safe.
 */
public final class DataStore {

    private final RaftNode node;
    private final int maxKeyBytes;
    private final int maxValueBytes;
    private final Executor callbacks;
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();

    /** Built by {@code Tandem}; not for direct use. */
    public DataStore(RaftNode node, int maxKeyBytes, int maxValueBytes, Executor callbacks) {
        this.node = node;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
        this.callbacks = callbacks;
        node.addStateListener(new StateMachine.Listener() {
            @Override
            public void onEvent(io.tandem.state.WatchEvent event) {
                WatchEvent e = convert(event);
                for (Watcher w : watchers) {
                    w.offer(e);
                }
            }
        });
    }

    // ------------------------------------------------------------------ writes

    public Record write(String key, byte[] value) {
        return join(writeAsync(key, value, WriteOptions.NONE));
    }

    public Record write(String key, String value) {
        return write(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes with conditions and lifetime.
     *
     * @throws VersionConflictException if {@code options} names a version the key is not at
     * @throws InvalidArgumentException for an empty or oversized key or value
     * @throws TandemTimeoutException   if no result came within the request timeout (the write may still apply)
     */
    public Record write(String key, byte[] value, WriteOptions options) {
        return join(writeAsync(key, value, options));
    }

    public CompletableFuture<Record> writeAsync(String key, byte[] value, WriteOptions options) {
        checkKey(key);
        if (value == null) {
            throw new InvalidArgumentException("value for key '" + key + "' is null; write an empty array instead");
        }
        if (value.length > maxValueBytes) {
            throw new InvalidArgumentException("value of " + value.length + " bytes for key '" + key
                    + "' exceeds maxValueBytes (" + maxValueBytes + "); store large blobs elsewhere and keep a"
                    + " reference here");
        }
        WriteOptions o = options == null ? WriteOptions.NONE : options;
        return node.submit(new Command.Put(key, value, o.expectedVersion, o.ttlMs, o.ephemeral))
                .thenApply(r -> toRecord(key, r));
    }

    /** Deletes the key; returns whether it existed. */
    public boolean delete(String key) {
        return join(deleteAsync(key, WriteOptions.ANY));
    }

    /** Deletes the key only if it is at {@code version}; throws {@link VersionConflictException} otherwise. */
    public boolean delete(String key, long version) {
        if (version < 1) {
            throw new InvalidArgumentException("delete(" + key + ", " + version + "): versions start at 1");
        }
        return join(deleteAsync(key, version));
    }

    public CompletableFuture<Boolean> deleteAsync(String key, long expectedVersion) {
        checkKey(key);
        return node.submit(new Command.Delete(key, expectedVersion)).thenApply(r -> {
            if (r instanceof CommandResult.Deleted d) {
                return d.previous() != null;
            }
            throw failure(key, r);
        });
    }

    // ------------------------------------------------------------------ reads

    public Optional<Record> read(String key) {
        return join(readAsync(key, ReadConsistency.LINEARIZABLE));
    }

    public Optional<Record> read(String key, ReadConsistency consistency) {
        return join(readAsync(key, consistency));
    }

    public CompletableFuture<Optional<Record>> readAsync(String key, ReadConsistency consistency) {
        checkKey(key);
        return node.read(consistency != ReadConsistency.STALE, sm -> sm.get(key).map(Record::of));
    }

    /** Records whose key starts with {@code prefix}, in key order, at most 1,000 (linearizable). */
    public List<Record> list(String prefix) {
        return list(prefix, 1000, ReadConsistency.LINEARIZABLE);
    }

    public List<Record> list(String prefix, int limit, ReadConsistency consistency) {
        return join(listAsync(prefix, limit, consistency));
    }

    public CompletableFuture<List<Record>> listAsync(String prefix, int limit, ReadConsistency consistency) {
        return listingAsync(prefix, limit, consistency).thenApply(Listing::records);
    }

    /**
     * Like {@link #listAsync}, with the revision the listing reflects: a watch from the revision
     * after it sees every later change and none already listed.
     */
    public CompletableFuture<Listing> listingAsync(String prefix, int limit, ReadConsistency consistency) {
        if (prefix == null) {
            throw new InvalidArgumentException("prefix must not be null; use \"\" to list every key");
        }
        if (limit < 1 || limit > 100_000) {
            throw new InvalidArgumentException("limit (" + limit + ") must be between 1 and 100000");
        }
        return node.read(consistency != ReadConsistency.STALE, sm -> {
            List<Record> out = new ArrayList<>();
            for (io.tandem.state.Record r : sm.list(prefix, limit)) {
                out.add(Record.of(r));
            }
            return new Listing(List.copyOf(out), sm.revision());
        });
    }

    /** Records in key order and the revision they were read at. */
    public record Listing(List<Record> records, long revision) {
    }

    /** The revision of the last change this node has applied. */
    public long revision() {
        return join(node.read(true, StateMachine::revision));
    }

    // ------------------------------------------------------------------ watch

    /**
     * Watches every key starting with {@code prefix} (a full key watches just that key, plus keys
     * it prefixes). Events from {@code fromRevision} on are delivered in order with no gaps, then
     * every later change; {@code fromRevision} 0 means "changes after now".
     *
     * @throws CompactedException if {@code fromRevision} is older than the retained history:
     *         re-list the keys, then watch from the revision after the listing
     */
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        return join(watchAsync(prefix, fromRevision, listener));
    }

    /**
     * {@link #watch} without blocking: completes once the watch is registered and its history
     * replayed (events may reach the listener before the future completes), or fails with
     * {@link CompactedException}.
     */
    public CompletableFuture<Watch> watchAsync(String prefix, long fromRevision, WatchListener listener) {
        if (prefix == null || listener == null) {
            throw new InvalidArgumentException("watch needs a prefix (\"\" for all keys) and a listener");
        }
        if (fromRevision < 0) {
            throw new InvalidArgumentException("fromRevision (" + fromRevision + ") must be >= 0");
        }
        Watcher w = new Watcher(prefix, listener, callbacks);
        // Registration and the replay of history happen in one loop turn, so no event falls between.
        return node.read(false, sm -> {
            long from = fromRevision == 0 ? sm.revision() + 1 : fromRevision;
            List<io.tandem.state.WatchEvent> past;
            try {
                past = sm.eventsSince(from, prefix);
            } catch (IllegalArgumentException e) {
                throw new CompactedException("watch of '" + prefix + "' from revision " + fromRevision
                        + ": history before revision " + (sm.compactedRevision() + 1) + " is compacted; list the"
                        + " keys, then watch from revision " + (sm.revision() + 1));
            }
            for (io.tandem.state.WatchEvent e : past) {
                w.offer(convert(e));
            }
            watchers.add(w);
            return w;
        }).thenApply(registered -> () -> {
            w.cancel();
            watchers.remove(w);
        });
    }

    /** A running watch; close it to stop receiving events. */
    @FunctionalInterface
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    // ------------------------------------------------------------------ helpers

    private void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidArgumentException("key must be a non-empty string");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxKeyBytes) {
            throw new InvalidArgumentException("key of " + bytes + " bytes exceeds maxKeyBytes (" + maxKeyBytes + ")");
        }
    }

    private static Record toRecord(String key, CommandResult r) {
        if (r instanceof CommandResult.Written w) {
            return Record.of(w.record());
        }
        throw failure(key, r);
    }

    static TandemException failure(String key, CommandResult r) {
        if (r instanceof CommandResult.VersionConflict c) {
            return new VersionConflictException(c.key(), c.expected(), c.actual());
        }
        if (r instanceof CommandResult.Rejected rj) {
            return new InvalidArgumentException("key '" + key + "': " + rj.reason());
        }
        if (r instanceof CommandResult.SessionExpired s) {
            return new SessionExpiredException("session " + s.sessionId() + " expired; the write to '" + key
                    + "' did not run, retry it");
        }
        return new TandemException("unexpected result for key '" + key + "': " + r);
    }

    private static WatchEvent convert(io.tandem.state.WatchEvent e) {
        return new WatchEvent(e.revision(), WatchEvent.Type.valueOf(e.type().name()), Record.of(e.record()));
    }

    /** Waits for a future and rethrows its failure as the {@link TandemException} it carries. */
    public static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TandemException("interrupted while waiting for the cluster", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    static RuntimeException unwrap(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof RuntimeException re) {
            return re;
        }
        return new TandemException(c.toString(), c);
    }
}
