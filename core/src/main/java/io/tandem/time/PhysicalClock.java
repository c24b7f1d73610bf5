package io.tandem.time;

/**
 * The physical time an {@link HybridClock} builds on, in milliseconds since the epoch. May jump
 * (the HLC absorbs that); must be cheap and allocation-free, it is read on every {@code now()}.
 */
@FunctionalInterface
public interface PhysicalClock {

    long millis();

    PhysicalClock SYSTEM = System::currentTimeMillis;
}
