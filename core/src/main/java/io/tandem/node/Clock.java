package io.tandem.node;

/**
 * Time as the runtime sees it. Production binds it to the system; tests may bind it to a
 * controllable clock. Nothing below the runtime reads time any other way.
 */
public interface Clock {

    /** Milliseconds since the epoch; may jump. */
    long wallMillis();

    /** A monotonic reading in nanoseconds; only differences mean anything. */
    long monotonicNanos();

    Clock SYSTEM = new Clock() {
        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public long monotonicNanos() {
            return System.nanoTime();
        }
    };
}
