package io.tandem.time;

/**
 * The physical clock corrected by the NTP offset: {@code wall + appliedOffset}. A new offset
 * that moves the clock forward is applied at once; one that would move it backwards is slewed
 * at {@code maxSlewPpm} of elapsed time (by {@link #slew}), so the corrected clock never steps
 * backwards because of a correction (the raw wall clock itself may still jump; the HLC absorbs
 * that). {@link #millis()} is a clock read plus a volatile read. Thread-safe.
 */
public final class SlewedClock implements PhysicalClock {

    private final PhysicalClock wall;
    private final long maxSlewPpm;
    private volatile long appliedOffsetMs;
    private volatile long targetOffsetMs;
    private double carry;
    private long lastSlewNanos = Long.MIN_VALUE;

    /** @param maxSlewPpm how fast a backward correction is slewed, e.g. 50_000 (50 ms per second) */
    public SlewedClock(PhysicalClock wall, long maxSlewPpm) {
        if (maxSlewPpm <= 0 || maxSlewPpm > 500_000) {
            throw new IllegalArgumentException("maxSlewPpm (" + maxSlewPpm + ") must be in (0, 500000]");
        }
        this.wall = wall;
        this.maxSlewPpm = maxSlewPpm;
    }

    @Override
    public long millis() {
        return wall.millis() + appliedOffsetMs;
    }

    /** Sets the offset to reach; forward at once, backwards by slewing. */
    public synchronized void setTarget(long offsetMs) {
        targetOffsetMs = offsetMs;
        if (offsetMs > appliedOffsetMs) {
            appliedOffsetMs = offsetMs;
            carry = 0;
        }
    }

    /** Moves the applied offset towards the target; call periodically with a monotonic reading. */
    public synchronized void slew(long monotonicNanos) {
        long prev = lastSlewNanos;
        lastSlewNanos = monotonicNanos;
        if (prev == Long.MIN_VALUE || appliedOffsetMs <= targetOffsetMs) {
            return;
        }
        carry += (monotonicNanos - prev) / 1e6 * maxSlewPpm / 1e6;
        long step = (long) carry;
        if (step > 0) {
            carry -= step;
            appliedOffsetMs = Math.max(targetOffsetMs, appliedOffsetMs - step);
        }
    }

    public long appliedOffsetMs() {
        return appliedOffsetMs;
    }

    public long targetOffsetMs() {
        return targetOffsetMs;
    }
}
