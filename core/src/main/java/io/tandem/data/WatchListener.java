package io.tandem.data;

/**
 * Receives the changes of a watched key or prefix, in revision order, with no gaps, one call at a
 * time on a Tandem callback thread. A listener that throws is logged and keeps receiving events.
 */
@FunctionalInterface
public interface WatchListener {

    void onEvent(WatchEvent event);
}
