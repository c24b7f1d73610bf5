package io.tandem.node;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands items to one listener in the order offered, one at a time, on an executor. {@link #offer}
 * never blocks (it is called on the node's loop thread); the queue grows while the listener is
 * slow. A listener that throws is logged and keeps receiving. Used for watches of records and of
 * elections.
 */
public final class OrderedDelivery<T> {

    private static final Logger LOG = LoggerFactory.getLogger(OrderedDelivery.class);

    private final String what;
    private final Consumer<T> listener;
    private final Executor executor;
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private boolean draining;
    private volatile boolean cancelled;

    /** {@code what} names the subscription in log messages (e.g. "watch on 'orders/'"). */
    public OrderedDelivery(String what, Consumer<T> listener, Executor executor) {
        this.what = what;
        this.listener = listener;
        this.executor = executor;
    }

    public void offer(T item) {
        if (cancelled) {
            return;
        }
        boolean start;
        synchronized (queue) {
            queue.add(item);
            start = !draining;
            draining = true;
        }
        if (start) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            T item;
            synchronized (queue) {
                item = queue.poll();
                if (item == null) {
                    draining = false;
                    return;
                }
            }
            if (cancelled) {
                continue;
            }
            try {
                listener.accept(item);
            } catch (RuntimeException e) {
                LOG.error("{} threw on {}; it keeps receiving", what, item, e);
            }
        }
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
