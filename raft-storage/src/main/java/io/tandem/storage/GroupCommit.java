package io.tandem.storage;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for one log: sync requests queue up while an fsync runs, and the next fsync serves
 * all of them. One background thread per log performs the fsyncs and completes the futures.
 */
final class GroupCommit {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /** Makes everything written so far durable. */
    @FunctionalInterface
    interface Flush {
        /** Returns the index now durable and the log's epoch at that moment, read atomically. */
        Flushed flush() throws IOException;
    }

    /** The outcome of a {@link Flush}. */
    record Flushed(long durableIndex, long epoch) {
    }

    /** A sync request; {@code epoch} is the log's truncation count when it was made. */
    private record Request(long targetIndex, long epoch, CompletableFuture<Long> future) {
    }

    private final Flush flush;
    private final Function<Exception, StorageException> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition hasWork = lock.newCondition();
    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private final Thread thread;
    private boolean stopping;

    /**
     * @param threadName name of the syncer thread
     * @param flush the fsync, called on the syncer thread only
     * @param onFailure turns a failed flush into the exception that fails the waiting futures
     */
    GroupCommit(String threadName, Flush flush, Function<Exception, StorageException> onFailure) {
        this.flush = flush;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues a request for {@code targetIndex}, seen by the caller in {@code requestEpoch} (the
     * log's count of truncations and resets). A request made before a truncation may wait for
     * entries that no longer exist, so the next flush completes it with what is durable then.
     * The future completes on the syncer thread.
     */
    CompletableFuture<Long> request(long targetIndex, long requestEpoch) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        lock.lock();
        try {
            if (stopping) {
                future.completeExceptionally(new StorageClosedException("log syncer " + thread.getName()));
                return future;
            }
            pending.add(new Request(targetIndex, requestEpoch, future));
            hasWork.signal();
        } finally {
            lock.unlock();
        }
        return future;
    }

    /** Completes every pending request with {@code durableIndex} (after truncate, reset or close). */
    void completeAll(long durableIndex) {
        for (Request r : drain(Long.MAX_VALUE, Long.MIN_VALUE)) {
            r.future.complete(durableIndex);
        }
    }

    /** Fails every pending request. */
    void failAll(StorageException e) {
        for (Request r : drain(Long.MAX_VALUE, Long.MIN_VALUE)) {
            r.future.completeExceptionally(e);
        }
    }

    /** Stops the syncer thread and waits for it; requests still queued fail as closed. */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            hasWork.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted while waiting for {} to stop", thread.getName());
        }
        failAll(new StorageClosedException("log syncer " + thread.getName()));
    }

    private void run() {
        while (awaitWork()) {
            Flushed flushed;
            try {
                flushed = flush.flush();
            } catch (IOException | RuntimeException e) {
                failAll(onFailure.apply(e));
                continue;
            }
            for (Request r : drain(flushed.durableIndex(), flushed.epoch())) {
                r.future.complete(flushed.durableIndex());
            }
        }
    }

    private boolean awaitWork() {
        lock.lock();
        try {
            while (pending.isEmpty() && !stopping) {
                hasWork.await();
            }
            return !stopping;
        } catch (InterruptedException e) {
            LOG.error("{} interrupted; failing pending syncs and refusing new ones", thread.getName());
            stopping = true;
            failAll(new StorageException(thread.getName() + " was interrupted", e));
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Removes the requests for indexes up to {@code upToIndex} or made before {@code currentEpoch}. */
    private List<Request> drain(long upToIndex, long currentEpoch) {
        List<Request> done = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Request> it = pending.iterator(); it.hasNext(); ) {
                Request r = it.next();
                if (r.targetIndex <= upToIndex || r.epoch < currentEpoch) {
                    done.add(r);
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        return done;
    }
}
