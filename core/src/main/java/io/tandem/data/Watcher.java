package io.tandem.data;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one watch's events in order, one at a time, on the callback executor. {@link #offer} is
 * called on the node's loop thread and never blocks it; the queue grows while the listener is slow
 * (watch history bounds what can be missed, not what is buffered — a listener must keep up).
 */
final class Watcher {

    private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);

    private final String prefix;
    private final WatchListener listener;
    private final Executor executor;
    private final ArrayDeque<WatchEvent> queue = new ArrayDeque<>();
    private boolean draining;
    private volatile boolean cancelled;

    Watcher(String prefix, WatchListener listener, Executor executor) {
        this.prefix = prefix;
        this.listener = listener;
        this.executor = executor;
    }

    void offer(WatchEvent e) {
        if (cancelled || !e.key().startsWith(prefix)) {
            return;
        }
        boolean start;
        synchronized (queue) {
            queue.add(e);
            start = !draining;
            draining = true;
        }
        if (start) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            WatchEvent e;
            synchronized (queue) {
                e = queue.poll();
                if (e == null) {
                    draining = false;
                    return;
                }
            }
            if (cancelled) {
                continue;
            }
            try {
                listener.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.error("watch listener on '{}' threw at revision {}; it keeps receiving events", prefix,
                        e.revision(), ex);
            }
        }
    }

    void cancel() {
        cancelled = true;
    }
}
