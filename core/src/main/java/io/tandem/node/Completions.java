package io.tandem.node;

import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes callers' futures on the {@code callbacks} executor, never on the loop, so user code
 * cannot stall consensus. On the loop thread completions are collected and handed over once per
 * loop turn ({@link #flush}), in one or two tasks instead of one task per request: under load a
 * turn completes hundreds of reads and writes, and a task each cost more than the completions.
 *
 * <p><b>Threads.</b> {@link #deliver} and {@link #fail} from any thread (off the loop they hand
 * over at once); {@link #flush} on the loop thread only. Owns the completions collected during
 * the current loop turn.
 */
final class Completions {

    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

    private final String nodeId;
    private final Executor callbacks;
    private final Supplier<NodeLoop> loop;
    private final ArrayList<Runnable> collected = new ArrayList<>();

    /** @param loop the node's loop, or null before it started */
    Completions(String nodeId, Executor callbacks, Supplier<NodeLoop> loop) {
        this.nodeId = nodeId;
        this.callbacks = callbacks;
        this.loop = loop;
    }

    void deliver(Runnable completion) {
        NodeLoop l = loop.get();
        if (l != null && l.inLoop()) {
            collected.add(completion);
        } else {
            callbacks.execute(completion);
        }
    }

    void fail(CompletableFuture<?> f, Throwable e) {
        deliver(() -> f.completeExceptionally(e));
    }

    /** Hands everything collected this turn to the callbacks executor. Loop thread only. */
    void flush() {
        int n = collected.size();
        if (n == 0) {
            return;
        }
        Runnable[] all = collected.toArray(new Runnable[0]);
        collected.clear();
        // Two parts for the two callback threads once there is enough to share.
        int parts = n >= 16 ? 2 : 1;
        for (int part = 0; part < parts; part++) {
            int from = n * part / parts;
            int to = n * (part + 1) / parts;
            Runnable run = n == 1 ? all[0] : () -> {
                for (int i = from; i < to; i++) {
                    all[i].run();
                }
            };
            try {
                callbacks.execute(run);
            } catch (RejectedExecutionException e) {
                // The node is closing and its executor is gone: complete here rather than leave callers waiting.
                LOG.debug("node {}: callbacks executor closed; completing {} requests on the loop", nodeId,
                        to - from);
                run.run();
            }
        }
    }
}
