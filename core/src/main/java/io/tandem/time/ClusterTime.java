package io.tandem.time;

import io.tandem.node.Clock;
import io.tandem.node.RaftNode;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three clocks of a node ({@code node.time()}):
 * <ul>
 *   <li>{@link #ntpOffsetMs()}: the physical clock's measured offset from NTP (0 without servers);
 *       the corrected clock is slewed, never stepped backwards;</li>
 *   <li>{@link #now()}: the hybrid logical clock — never goes backwards on this node, also not
 *       across a restart with a data directory, and is above every timestamp received from other
 *       nodes (except ones beyond the max clock offset, which are refused and reported);</li>
 *   <li>{@link #nextTimestamp()}: the cluster timestamp oracle — strictly increasing across the
 *       whole cluster in real-time order, across leader changes.</li>
 * </ul>
 * <p><b>Threads.</b> The upkeep (slewing, the oracle's lease and window, deciding when the HLC
 * high-water mark is due) runs on timers of the node's loop ({@link RaftNode#schedule}) with the
 * node's clock, so the simulator can run it on virtual time. What blocks on I/O never runs there:
 * NTP polls (network round trips through commons-net) and the high-water mark writes (fsync)
 * run on the {@code io} executor the node's owner passes in; their schedule still comes from the
 * loop. Thread-safe. See docs/time.md.
 */
public final class ClusterTime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterTime.class);
    /** How far ahead of the clock the HLC high-water mark is written. */
    public static final long HLC_WINDOW_MS = 1000;
    /** Backward NTP corrections are slewed at 50 ms per second. */
    public static final long MAX_SLEW_PPM = 50_000;

    /** The clocks a node needs before its runtime exists (the HLC stamps its entries). */
    public record Clocks(SlewedClock physical, HybridClock hlc, NtpOffsetSource ntp) {
    }

    /**
     * Builds the clocks on the system clock; with a data directory the HLC restores its
     * high-water mark and, if the clock is behind it by at most one window, waits for the clock to
     * pass it (so this node's first timestamps are not ahead of its physical clock). Runs before
     * the node exists, on the thread that starts it.
     */
    public static Clocks clocks(List<String> ntpServers, Duration ntpRefresh, long maxOffsetMs, Path dataDir) {
        SlewedClock physical = new SlewedClock(PhysicalClock.SYSTEM, MAX_SLEW_PPM);
        HybridClock hlc = dataDir == null ? new HybridClock(physical, maxOffsetMs)
                : new HybridClock(physical, maxOffsetMs, new HlcFile(dataDir), HLC_WINDOW_MS);
        long behind = hlc.restoredBoundMs() - physical.millis();
        if (behind > 0 && behind <= HLC_WINDOW_MS) {
            awaitClockPast(physical, hlc.restoredBoundMs(), Clock.SYSTEM);
        } else if (behind > HLC_WINDOW_MS) {
            LOG.warn("the clock is {} ms behind the HLC high-water mark of the last run (was it stepped back?);"
                    + " the HLC runs ahead of the clock until it catches up", behind);
        }
        NtpOffsetSource ntp = new NtpOffsetSource(NtpOffsetSource.Settings.of(ntpServers, ntpRefresh.toMillis()),
                physical, PhysicalClock.SYSTEM);
        return new Clocks(physical, hlc, ntp);
    }

    /**
     * Waits until {@code physical} reads at least {@code boundMs}, at most one HLC window as
     * measured by {@code clock}. The one blocking wait here: a startup step, before the node (and
     * so its loop) exists; nothing can signal "the clock passed a value", so it re-reads the
     * physical clock after parking for the time still missing.
     */
    static void awaitClockPast(PhysicalClock physical, long boundMs, Clock clock) {
        long deadline = clock.monotonicNanos() + TimeUnit.MILLISECONDS.toNanos(HLC_WINDOW_MS);
        long behindMs;
        while ((behindMs = boundMs - physical.millis()) > 0 && deadline - clock.monotonicNanos() > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(behindMs));
            if (Thread.currentThread().isInterrupted()) {
                LOG.warn("interrupted while waiting {} ms for the clock to pass the HLC high-water mark; the HLC"
                        + " runs ahead of the clock until it catches up", behindMs);
                return;
            }
        }
    }

    private final String nodeId;
    private final Clocks clocks;
    private final RaftNode node;
    private final Clock clock;
    private final Executor io;
    private final long periodMs;
    private final TimestampOracle oracle;
    private final AtomicBoolean markWriteQueued = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Wires the clocks to the node; {@link #start()} starts the background duties once the node
     * runs. {@code io} runs what blocks on I/O (NTP polls, high-water mark writes), one at a time
     * is enough; it must not be the node's loop, and its owner shuts it down after {@link #close()}.
     */
    public ClusterTime(String nodeId, Endpoint self, Clocks clocks, RaftNode node, Transport transport,
                       long leaseNanos, long periodMs, long requestTimeoutMs, long retryMs, Executor callbacks,
                       Executor io) {
        this.nodeId = nodeId;
        this.clocks = clocks;
        this.node = node;
        this.clock = node.clock();
        this.io = io;
        this.periodMs = periodMs;
        // The oracle's turns never block: they run on the node's loop.
        this.oracle = new TimestampOracle(node, transport, clocks.hlc(), nodeId, self, 3000, leaseNanos,
                requestTimeoutMs, retryMs, task -> node.schedule(0, task), callbacks, clock::monotonicNanos);
        node.onTimeMessage(oracle::onMessage);
    }

    /**
     * Starts the background duties on the node's timers: NTP rounds (with back-off), slewing, HLC
     * high-water mark writes and the oracle's lease and window upkeep. Call once the node has started.
     */
    public void start() {
        scheduleUpkeep();
        if (clocks.ntp().enabled()) {
            runIo("NTP round", this::ntpRound);
        }
    }

    private void scheduleUpkeep() {
        if (!closed) {
            node.schedule(TimeUnit.MILLISECONDS.toNanos(periodMs), () -> {
                upkeep();
                scheduleUpkeep();
            });
        }
    }

    /** On the loop, every period: quick steps only; the mark write itself goes to the I/O executor. */
    private void upkeep() {
        try {
            clocks.physical().slew(clock.monotonicNanos());
            if (clocks.hlc().maintenanceDue() && markWriteQueued.compareAndSet(false, true)
                    && !runIo("HLC high-water mark write", this::writeMark)) {
                markWriteQueued.set(false);
            }
            oracle.periodic();
        } catch (RuntimeException e) {
            LOG.error("node {}: time upkeep failed: {}", nodeId, e.toString(), e);
        }
    }

    /** On the I/O executor: writes the HLC high-water mark ahead (fsync). */
    private void writeMark() {
        try {
            clocks.hlc().maintain();
        } finally {
            markWriteQueued.set(false);
        }
    }

    /** On the I/O executor: one NTP round (blocking network I/O), then the next one on the node's timer. */
    private void ntpRound() {
        try {
            clocks.ntp().refreshNow();
        } finally {
            if (!closed) {
                node.schedule(TimeUnit.MILLISECONDS.toNanos(clocks.ntp().nextDelayMs()),
                        () -> runIo("NTP round", this::ntpRound));
            }
        }
    }

    /** Hands {@code task} to the I/O executor (false if it refused); logs what fails, since nobody waits for it. */
    private boolean runIo(String what, Runnable task) {
        try {
            io.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("node {}: {} failed: {}", nodeId, what, e.toString(), e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("node {}: {} not run: the time I/O executor refused it ({})", nodeId, what, e.toString());
            }
            return false;
        }
    }

    /** The HLC's next timestamp. Allocates one small record; {@link #nowPacked()} allocates nothing. */
    public HybridTimestamp now() {
        return HybridTimestamp.fromPacked(clocks.hlc().now());
    }

    /** The HLC's next timestamp in packed form ({@code physical ms << 16 | logical}); allocation-free. */
    public long nowPacked() {
        return clocks.hlc().now();
    }

    /** The measured NTP offset in ms (server - local); 0 without NTP servers. */
    public long ntpOffsetMs() {
        return clocks.ntp().status().offsetMs();
    }

    public NtpStatus ntpStatus() {
        return clocks.ntp().status();
    }

    /** Runs one NTP round now (blocking) and returns what it measured. */
    public NtpStatus syncNtpNow() {
        return clocks.ntp().refreshNow();
    }

    /**
     * A timestamp greater than every timestamp this call's predecessors (in real time) got from
     * any node of the cluster. Served from memory on the leader; other nodes forward (batched).
     *
     * @throws io.tandem.TandemTimeoutException if no leader could serve within the request timeout
     */
    public long nextTimestamp() {
        return oracle.next();
    }

    public CompletableFuture<Long> nextTimestampAsync() {
        return oracle.nextAsync(1);
    }

    /** The first of {@code count} consecutive timestamps, all reserved for the caller. */
    public CompletableFuture<Long> nextTimestampsAsync(int count) {
        return oracle.nextAsync(count);
    }

    public HybridClock hybridClock() {
        return clocks.hlc();
    }

    public TimeStatus status() {
        HybridClock hlc = clocks.hlc();
        long nowMs = hlc.physicalMillis();
        NtpStatus ntp = clocks.ntp().status();
        Map<String, Long> peers = node.peerClocks().offsets(nowMs);
        long own = node.peerClocks().ownOffsetMs(nowMs);
        long max = hlc.maxOffsetMs();
        String reason = "";
        if (Math.abs(own) > max) {
            reason = "this node's clock is " + own + " ms off the median of the cluster's clocks (max clock offset "
                    + max + " ms)";
        } else if (ntp.synced() && Math.abs(ntp.offsetMs()) > max) {
            reason = "NTP measures this node's clock " + ntp.offsetMs() + " ms off (max clock offset " + max + " ms)";
        } else if (hlc.rejectedRecently()) {
            reason = "refused " + hlc.skewEvents() + " remote timestamps more than " + max
                    + " ms ahead (last " + hlc.lastSkewLeadMs() + " ms ahead); a peer's clock is ahead or ours behind";
        }
        return new TimeStatus(hlc.peek(), nowMs, ntp, max, hlc.skewEvents(), hlc.lastSkewLeadMs(), peers, own,
                !reason.isEmpty(), reason, oracle.windowUpTo());
    }

    /** Stops the duties; the owner of the I/O executor shuts it down afterwards. */
    @Override
    public void close() {
        closed = true;
        oracle.close();
    }
}
