package io.tandem.data;

import io.tandem.node.OrderedDelivery;
import java.util.concurrent.Executor;

/**
 * One watch: events of its prefix, delivered in order, one at a time, on the callback executor.
 * {@link #offer} is called on the node's loop thread and never blocks it; the queue grows while the
 * listener is slow (watch history bounds what can be missed, not what is buffered — a listener
 * must keep up).
 */
final class Watcher {

    private final String prefix;
    private final OrderedDelivery<WatchEvent> delivery;

    Watcher(String prefix, WatchListener listener, Executor executor) {
        this.prefix = prefix;
        this.delivery = new OrderedDelivery<>("watch listener on '" + prefix + "'", listener::onEvent, executor);
    }

    void offer(WatchEvent e) {
        if (e.key().startsWith(prefix)) {
            delivery.offer(e);
        }
    }

    void cancel() {
        delivery.cancel();
    }
}
