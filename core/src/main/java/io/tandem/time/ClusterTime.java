package io.tandem.time;

import io.tandem.node.RaftNode;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * Thread-safe. See docs/time.md.
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
     * Builds the clocks; with a data directory the HLC restores its high-water mark and, if the
     * clock is behind it by at most one window, waits for the clock to pass it (so this node's
     * first timestamps are not ahead of its physical clock).
     */
    public static Clocks clocks(List<String> ntpServers, Duration ntpRefresh, long maxOffsetMs, Path dataDir) {
        SlewedClock physical = new SlewedClock(PhysicalClock.SYSTEM, MAX_SLEW_PPM);
        HybridClock hlc = dataDir == null ? new HybridClock(physical, maxOffsetMs)
                : new HybridClock(physical, maxOffsetMs, new HlcFile(dataDir), HLC_WINDOW_MS);
        long behind = hlc.restoredBoundMs() - physical.millis();
        if (behind > 0 && behind <= HLC_WINDOW_MS) {
            try {
                Thread.sleep(behind);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (behind > HLC_WINDOW_MS) {
            LOG.warn("the clock is {} ms behind the HLC high-water mark of the last run (was it stepped back?);"
                    + " the HLC runs ahead of the clock until it catches up", behind);
        }
        NtpOffsetSource ntp = new NtpOffsetSource(NtpOffsetSource.Settings.of(ntpServers, ntpRefresh.toMillis()),
                physical, PhysicalClock.SYSTEM);
        return new Clocks(physical, hlc, ntp);
    }

    private final String nodeId;
    private final Clocks clocks;
    private final RaftNode node;
    private final TimestampOracle oracle;
    private final ScheduledExecutorService timeThread;
    private final ExecutorService oracleThread;

    /**
     * Starts the background duties: NTP rounds (with back-off), slewing, HLC high-water mark
     * writes and the oracle's lease and window upkeep.
     */
    public ClusterTime(String nodeId, Endpoint self, Clocks clocks, RaftNode node, Transport transport,
                       long leaseNanos, long periodMs, long requestTimeoutMs, long retryMs, Executor callbacks) {
        this.nodeId = nodeId;
        this.clocks = clocks;
        this.node = node;
        this.timeThread = Executors.newSingleThreadScheduledExecutor(daemon("tandem-time-" + nodeId));
        this.oracleThread = Executors.newSingleThreadExecutor(daemon("tandem-oracle-" + nodeId));
        this.oracle = new TimestampOracle(node, transport, clocks.hlc(), nodeId, self, 3000, leaseNanos,
                requestTimeoutMs, retryMs, oracleThread, callbacks, System::nanoTime);
        node.onTimeMessage(oracle::onMessage);
        timeThread.scheduleWithFixedDelay(this::upkeep, periodMs, periodMs, TimeUnit.MILLISECONDS);
        if (clocks.ntp().enabled()) {
            timeThread.execute(this::ntpRound);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void upkeep() {
        try {
            clocks.physical().slew(System.nanoTime());
            clocks.hlc().maintain();
            oracle.periodic();
        } catch (RuntimeException e) {
            LOG.error("node {}: time upkeep failed: {}", nodeId, e.toString(), e);
        }
    }

    private void ntpRound() {
        try {
            clocks.ntp().refreshNow();
        } catch (RuntimeException e) {
            LOG.warn("node {}: NTP round failed: {}", nodeId, e.toString(), e);
        } finally {
            try {
                timeThread.schedule(this::ntpRound, clocks.ntp().nextDelayMs(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("node {}: closing; no further NTP rounds", nodeId);
            }
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

    @Override
    public void close() {
        oracle.close();
        timeThread.shutdownNow();
        oracleThread.shutdownNow();
    }
}
