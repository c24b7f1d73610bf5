package io.tandem.node;

import io.tandem.raft.Configuration;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a message may act on this node, from the identity the connection proved in its
 * handshake — never from what the message says about itself. A Raft message is accepted only when
 * its {@code from} equals that identity, it is addressed to this node, and the sender is a member
 * (voter or learner) of this node's configuration — or a member of this node's configuration
 * vouches for it. Vouching covers a node whose log lags behind a membership change (a new member
 * it has not heard of yet may lead): on refusing an unknown sender, the node asks the members it
 * knows ({@link Wire.WhoIs}) and admits the sender for {@link #VOUCH_NANOS} once one of them
 * answers that the sender is in its configuration. A node that is not itself a member of its
 * configuration (a joiner catching up, or a removed node) accepts any authenticated sender: it
 * has no vote, term or leader anyone relies on. Messages naming a node id (discover, join, leave)
 * must name the connection's own id.
 *
 * <p>Refusals are counted per reason (through the metrics sink) and logged at most once a minute per sender and reason, with
 * the number refused since the last line. Loop thread only.
 */
final class PeerGuard {

    private static final Logger LOG = LoggerFactory.getLogger(PeerGuard.class);
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    /** Why a message was refused; also the metric's tag. */
    enum Refusal { FORGED_SENDER, NOT_A_MEMBER, MISADDRESSED, INVALID_PROPOSAL }

    private final String self;
    private final LongSupplier monotonicNanos;
    private final TreeMap<String, long[]> lastLogged = new TreeMap<>();
    private final NodeMetricsSinkRef sink;
    /** Non-members a member vouched for, until when (monotonic nanos). */
    private final TreeMap<String, Long> vouched = new TreeMap<>();
    /** When this node last asked about an unknown sender. */
    private final TreeMap<String, Long> asked = new TreeMap<>();
    static final long VOUCH_NANOS = 30_000_000_000L;
    private static final long ASK_EVERY_NANOS = 500_000_000L;

    /** Reads the node's current metrics sink (it may be replaced at any time). */
    interface NodeMetricsSinkRef {
        NodeMetrics.Sink get();
    }

    PeerGuard(String self, LongSupplier monotonicNanos, NodeMetricsSinkRef sink) {
        this.self = self;
        this.monotonicNanos = monotonicNanos;
        this.sink = sink;
    }

    /**
     * Whether Raft message {@code claimedFrom → to}, received over a connection authenticated as
     * {@code connectionId}, may be stepped into a core whose configuration is {@code cfg}.
     */
    boolean admitRaft(String connectionId, String claimedFrom, String to, Configuration cfg,
                      java.util.function.Consumer<String> askAbout) {
        if (!connectionId.equals(claimedFrom)) {
            return refuse(Refusal.FORGED_SENDER, connectionId, "sent a Raft message claiming to be '" + claimedFrom
                    + "'");
        }
        if (!self.equals(to)) {
            // Normal after a disk-less member restarts on its predecessor's address: count, do not warn.
            sink.get().messageRefused("misaddressed");
            return false;
        }
        if (!cfg.isMember(self) || cfg.isMember(connectionId)) {
            return true;
        }
        long now = monotonicNanos.getAsLong();
        Long until = vouched.get(connectionId);
        if (until != null && now - until < 0) {
            return true;
        }
        Long last = asked.get(connectionId);
        if (last == null || now - last >= ASK_EVERY_NANOS) {
            if (asked.size() >= 1024) {
                asked.clear(); // ids come from the network: keep the map bounded
            }
            asked.put(connectionId, now);
            askAbout.accept(connectionId);
        }
        return refuse(Refusal.NOT_A_MEMBER, connectionId, "is not a member of this node's configuration "
                + cfg.voters().keySet() + " + learners " + cfg.learners().keySet() + " and no member has vouched for"
                + " it; its Raft messages cannot change this node's term or leader");
    }

    /** A member of this node's configuration says {@code nodeId} is (or is not) in its configuration. */
    void vouch(String voucher, Configuration cfg, String nodeId, boolean member) {
        if (!cfg.isMember(voucher)) {
            refuse(Refusal.NOT_A_MEMBER, voucher, "vouched for '" + nodeId + "' but is not a member itself");
            return;
        }
        if (member) {
            if (vouched.size() >= 1024) {
                vouched.clear();
            }
            if (!vouched.containsKey(nodeId)) {
                LOG.info("node {}: member {} vouches for {}, which this node's log does not name yet (it is behind a"
                        + " membership change); accepting its Raft messages", self, voucher, nodeId);
            }
            vouched.put(nodeId, monotonicNanos.getAsLong() + VOUCH_NANOS);
        }
    }

    /** Whether a message that names {@code claimedId} as its sender came over a connection proved as that id. */
    boolean admitNamed(String connectionId, String claimedId, String what) {
        if (connectionId.equals(claimedId)) {
            return true;
        }
        return refuse(Refusal.FORGED_SENDER, connectionId, "sent a " + what + " in the name of '" + claimedId + "'");
    }

    /** Counts and (rate-limited) logs a refusal; always returns false. */
    boolean refuse(Refusal why, String connectionId, String detail) {
        sink.get().messageRefused(why.name().toLowerCase(java.util.Locale.ROOT));
        String key = why + "/" + connectionId;
        long now = monotonicNanos.getAsLong();
        long[] last = lastLogged.get(key);
        if (last == null) {
            if (lastLogged.size() >= 1024) {
                lastLogged.clear(); // the keys come from the network: keep the map bounded
            }
            lastLogged.put(key, new long[] {now, 0});
            if (why == Refusal.NOT_A_MEMBER) {
                // Also what a removed member's last messages look like during a rolling deploy.
                LOG.info("node {}: refused a message from connection '{}', which {} ({})", self, connectionId, detail,
                        why);
            } else {
                LOG.warn("node {}: refused a message from connection '{}', which {} ({})", self, connectionId, detail,
                        why);
            }
        } else if (now - last[0] >= LOG_EVERY_NANOS) {
            LOG.warn("node {}: refused {} more messages from connection '{}' in the last {} s; the latest {} ({})",
                    self, last[1] + 1, connectionId, (now - last[0]) / 1_000_000_000L, detail, why);
            last[0] = now;
            last[1] = 0;
        } else {
            last[1]++;
        }
        return false;
    }
}
