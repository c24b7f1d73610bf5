package io.tandem.time;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hybrid logical clock (Kulkarni et al. 2014) over a {@link PhysicalClock}, in the packed form
 * of {@link HybridTimestamp}.
 *
 * <p><b>Guarantees.</b> {@link #now()} never returns a value lower than or equal to one it
 * returned before (strictly increasing per clock object, whatever the physical clock does), and is
 * greater than every remote timestamp passed to {@link #update(long)} — except a remote timestamp
 * whose physical part is more than {@code maxOffsetMs} ahead of our physical clock: that one is
 * not adopted (it would drag this node's time arbitrarily far ahead); it is counted and logged
 * and the clock reports itself as skewed for {@link #SKEW_REPORT_MS}.
 *
 * <p><b>Restarts.</b> With a {@link HighWaterMark}, the clock persists a bound {@code B} (ms)
 * before it ever hands out a timestamp with physical part {@code >= B}; on open it starts at
 * {@code B << 16}, so time never goes backwards across a restart. The bound is written ahead by
 * {@link #maintain()} (called periodically off the hot path) to {@code physical + window}; only
 * when the clock outruns the written bound (a remote timestamp jumped it forward, or maintenance
 * fell behind) does {@code now()} write synchronously.
 *
 * <p><b>Cost.</b> {@code now()} is one physical clock read, one volatile read and one CAS; it
 * allocates nothing. Thread-safe.
 */
public final class HybridClock {

    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);

    /** How long a rejected remote timestamp keeps the clock reporting itself as skewed. */
    public static final long SKEW_REPORT_MS = 60_000;

    /** Something that keeps the persisted high-water mark (ms); see {@link HlcFile}. */
    public interface HighWaterMark {
        /** The stored bound, 0 if none. */
        long load();

        /** Durably stores {@code boundMs} (may block on I/O); returns only once it is durable. */
        void store(long boundMs);
    }

    private final PhysicalClock physical;
    private final long maxOffsetMs;
    private final HighWaterMark mark;
    private final long windowMs;
    private final AtomicLong last = new AtomicLong();
    private volatile long persistedBoundMs = Long.MAX_VALUE;
    private final long restoredBoundMs;

    private final AtomicLong skewEvents = new AtomicLong();
    private volatile long lastSkewAtMs;
    private volatile long lastSkewLeadMs;
    private volatile long maxRemoteLeadMs;
    // MIN_VALUE / 2, not MIN_VALUE: `pt - lastWarnAtMs` must not overflow, or no warning is ever
    // logged (found by the chaos suite: skewed nodes were counted, never logged).
    private volatile long lastWarnAtMs = Long.MIN_VALUE / 2;

    /** A clock that keeps nothing across restarts (in-memory nodes, tests). */
    public HybridClock(PhysicalClock physical, long maxOffsetMs) {
        this(physical, maxOffsetMs, null, 0);
    }

    /**
     * @param mark     where the high-water mark lives, or null to keep nothing
     * @param windowMs how far ahead of the physical clock the mark is written (e.g. 1000)
     */
    public HybridClock(PhysicalClock physical, long maxOffsetMs, HighWaterMark mark, long windowMs) {
        if (maxOffsetMs <= 0) {
            throw new IllegalArgumentException("maxOffsetMs (" + maxOffsetMs + ") must be > 0");
        }
        this.physical = physical;
        this.maxOffsetMs = maxOffsetMs;
        this.mark = mark;
        this.windowMs = windowMs;
        long restored = 0;
        if (mark != null) {
            if (windowMs < 10) {
                throw new IllegalArgumentException("windowMs (" + windowMs + ") must be >= 10");
            }
            restored = mark.load();
            last.set(HybridTimestamp.pack(restored, 0));
            persistedBoundMs = restored;
        }
        this.restoredBoundMs = restored;
    }

    /** The persisted mark this clock started from (ms; 0 without one): every earlier timestamp is below it. */
    public long restoredBoundMs() {
        return restoredBoundMs;
    }

    /** The next timestamp, packed; strictly greater than every earlier one. Allocation-free. */
    public long now() {
        long pt = physical.millis();
        long prev;
        long next;
        do {
            prev = last.get();
            next = Math.max(pt << HybridTimestamp.LOGICAL_BITS, prev + 1);
        } while (!last.compareAndSet(prev, next));
        if (HybridTimestamp.physicalOf(next) >= persistedBoundMs) {
            persistBeyond(HybridTimestamp.physicalOf(next));
        }
        return next;
    }

    /** {@link #now()} as a record (allocates). */
    public HybridTimestamp nowTimestamp() {
        return HybridTimestamp.fromPacked(now());
    }

    /** The latest timestamp handed out or adopted, without advancing the clock. */
    public long peek() {
        return last.get();
    }

    /** The physical clock under this HLC, in ms. */
    public long physicalMillis() {
        return physical.millis();
    }

    /**
     * Merges a timestamp received from another node (the HLC receive rule) and returns the new
     * local time, which is greater than both {@code remote} and every earlier local timestamp —
     * unless {@code remote} is more than {@code maxOffsetMs} ahead of the physical clock, in
     * which case it is not adopted (see the class comment) and this is just {@link #now()}.
     */
    public long update(long remote) {
        long pt = physical.millis();
        long leadMs = HybridTimestamp.physicalOf(remote) - pt;
        if (leadMs > maxRemoteLeadMs) {
            maxRemoteLeadMs = leadMs;
        }
        if (leadMs > maxOffsetMs) {
            onSkew(remote, leadMs, pt);
            return now();
        }
        long prev;
        long next;
        do {
            prev = last.get();
            next = Math.max(pt << HybridTimestamp.LOGICAL_BITS, Math.max(prev, remote) + 1);
        } while (!last.compareAndSet(prev, next));
        if (HybridTimestamp.physicalOf(next) >= persistedBoundMs) {
            persistBeyond(HybridTimestamp.physicalOf(next));
        }
        return next;
    }

    private void onSkew(long remote, long leadMs, long pt) {
        skewEvents.incrementAndGet();
        lastSkewAtMs = pt;
        lastSkewLeadMs = leadMs;
        if (pt - lastWarnAtMs >= 10_000) { // at most one line per 10 s; the counter has the rest
            lastWarnAtMs = pt;
            LOG.warn("clock skew: a remote timestamp {} is {} ms ahead of this node's clock (max clock offset {} ms);"
                    + " not adopted. Check NTP on every node ({} such timestamps so far)",
                    HybridTimestamp.fromPacked(remote), leadMs, maxOffsetMs, skewEvents.get());
        }
    }

    /**
     * Writes the high-water mark ahead when the physical clock is within half a window of it.
     * Call periodically (every ~windowMs/4) from a background thread; never from the hot path.
     */
    public void maintain() {
        if (maintenanceDue()) {
            persistBeyond(Math.max(physical.millis(), HybridTimestamp.physicalOf(last.get())));
        }
    }

    /**
     * Whether {@link #maintain()} would write the mark now (the clock is within half a window of
     * it). Cheap and never blocks: a caller on an event loop checks this and hands only the write
     * itself to a thread that may block.
     */
    public boolean maintenanceDue() {
        if (mark == null) {
            return false;
        }
        return Math.max(physical.millis(), HybridTimestamp.physicalOf(last.get())) + windowMs / 2 >= persistedBoundMs;
    }

    private synchronized void persistBeyond(long physicalMs) {
        if (physicalMs < persistedBoundMs) {
            return; // another thread wrote it meanwhile
        }
        long bound = physicalMs + windowMs;
        mark.store(bound);
        persistedBoundMs = bound;
    }

    /** The persisted bound (ms), or {@link Long#MAX_VALUE} without persistence. */
    public long persistedBoundMs() {
        return persistedBoundMs;
    }

    public long maxOffsetMs() {
        return maxOffsetMs;
    }

    /** Remote timestamps rejected for being more than the max offset ahead, since start. */
    public long skewEvents() {
        return skewEvents.get();
    }

    /** When the last remote timestamp was rejected (physical ms), 0 if never. */
    public long lastSkewAtMs() {
        return lastSkewAtMs;
    }

    /** By how much the last rejected remote timestamp led our clock (ms). */
    public long lastSkewLeadMs() {
        return lastSkewLeadMs;
    }

    /** The largest lead of any remote timestamp over our physical clock seen so far (ms; latency included). */
    public long maxRemoteLeadMs() {
        return maxRemoteLeadMs;
    }

    /** Whether a remote timestamp was rejected within the last {@link #SKEW_REPORT_MS}. */
    public boolean rejectedRecently() {
        long at = lastSkewAtMs;
        return at != 0 && physical.millis() - at < SKEW_REPORT_MS;
    }
}
