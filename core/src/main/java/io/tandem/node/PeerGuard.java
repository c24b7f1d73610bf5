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
 * (voter or learner) of this node's configuration; a node with no configuration yet (a fresh
 * joiner) accepts any authenticated sender, since it has no term or leader to protect. Messages
 * naming a node id (discover, join, leave) must name the connection's own id.
 *
 * <p>Refusals are counted per reason and logged at most once a minute per sender and reason, with
 * the number refused since the last line. Loop thread only.
 */
final class PeerGuard {

    private static final Logger LOG = LoggerFactory.getLogger(PeerGuard.class);
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    /** Why a message was refused; also the metric's tag. */
    enum Refusal { FORGED_SENDER, NOT_A_MEMBER, MISADDRESSED, INVALID_PROPOSAL }

    private final String self;
    private final LongSupplier monotonicNanos;
    private final long[] counts = new long[Refusal.values().length];
    private final TreeMap<String, long[]> lastLogged = new TreeMap<>();
    private final NodeMetricsSinkRef sink;

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
    boolean admitRaft(String connectionId, String claimedFrom, String to, Configuration cfg) {
        if (!connectionId.equals(claimedFrom)) {
            return refuse(Refusal.FORGED_SENDER, connectionId, "sent a Raft message claiming to be '" + claimedFrom
                    + "'");
        }
        if (!self.equals(to)) {
            return refuse(Refusal.MISADDRESSED, connectionId, "sent a Raft message addressed to '" + to + "'");
        }
        if (!cfg.voters().isEmpty() && !cfg.isMember(connectionId)) {
            return refuse(Refusal.NOT_A_MEMBER, connectionId, "is not a member of this node's configuration "
                    + cfg.voters().keySet() + " + learners " + cfg.learners().keySet() + "; its Raft messages cannot"
                    + " change this node's term or leader. If it joined while this node was away, this node"
                    + " catches up once a member it knows leads");
        }
        return true;
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
        counts[why.ordinal()]++;
        sink.get().messageRefused(why.name().toLowerCase(java.util.Locale.ROOT));
        String key = why + "/" + connectionId;
        long now = monotonicNanos.getAsLong();
        long[] last = lastLogged.get(key);
        if (last == null) {
            if (lastLogged.size() >= 1024) {
                lastLogged.clear(); // the keys come from the network: keep the map bounded
            }
            lastLogged.put(key, new long[] {now, 0});
            LOG.warn("node {}: refused a message from connection '{}', which {} ({})", self, connectionId, detail,
                    why);
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

    /** Messages refused for {@code why} since start. */
    long refused(Refusal why) {
        return counts[why.ordinal()];
    }
}
