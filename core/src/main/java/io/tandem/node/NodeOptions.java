package io.tandem.node;

import io.tandem.raft.RaftConfig;
import io.tandem.state.CommandLevels;
import io.tandem.state.StateMachine;
import io.tandem.transport.Endpoint;
import java.util.List;

/**
 * Settings of one node's runtime, derived from {@code TandemConfig}. Durations in milliseconds.
 *
 * @param seeds               the founding members' advertised addresses (identical on every founder)
 * @param tickMs              length of one Raft tick
 * @param sessionTimeoutMs    a session that is not renewed for this long expires in the state machine
 * @param snapshotEveryEntries applied entries between two snapshots (and log compactions)
 * @param requestTimeoutMs    a proposal or a linearizable read fails with a timeout after this long
 * @param retryMs             an unanswered proposal is re-sent (same session and sequence) after this long
 * @param inboxCapacity       events waiting for the loop; beyond it calls fail with OverloadedException
 * @param maxPendingRequests  proposals and reads in flight on this node
 * @param voterCount          the leader promotes caught-up learners until there are this many voters
 * @param sessionSafetyMarginMs the node treats its session as lost this long before the cluster
 *                            can expire it (covers clock offset between nodes and rate drift)
 * @param autopilot           the leader's membership housekeeping (promotion, dead-member replacement)
 * @param commandLevel        the highest command level this node reads and reports (normally
 *                            {@link CommandLevels#CURRENT}; lower only to rehearse a rolling upgrade)
 */
public record NodeOptions(String nodeId, Endpoint advertise, List<Endpoint> seeds, RaftConfig raft, long tickMs,
                          long sessionTimeoutMs, long snapshotEveryEntries, long requestTimeoutMs, long retryMs,
                          int inboxCapacity, int maxPendingRequests, int voterCount, StateMachine.Limits limits,
                          long sessionSafetyMarginMs, Autopilot.Settings autopilot, int commandLevel) {

    public NodeOptions(String nodeId, Endpoint advertise, List<Endpoint> seeds, RaftConfig raft, long tickMs,
                       long sessionTimeoutMs, long snapshotEveryEntries, long requestTimeoutMs, long retryMs,
                       int inboxCapacity, int maxPendingRequests, int voterCount, StateMachine.Limits limits,
                       long sessionSafetyMarginMs, Autopilot.Settings autopilot) {
        this(nodeId, advertise, seeds, raft, tickMs, sessionTimeoutMs, snapshotEveryEntries, requestTimeoutMs, retryMs,
                inboxCapacity, maxPendingRequests, voterCount, limits, sessionSafetyMarginMs, autopilot,
                CommandLevels.CURRENT);
    }

    /** This node's options with {@code level} as its command level. */
    public NodeOptions withCommandLevel(int level) {
        return new NodeOptions(nodeId, advertise, seeds, raft, tickMs, sessionTimeoutMs, snapshotEveryEntries,
                requestTimeoutMs, retryMs, inboxCapacity, maxPendingRequests, voterCount, limits, sessionSafetyMarginMs,
                autopilot, level);
    }

    public NodeOptions {
        if (commandLevel < CommandLevels.BASE || commandLevel > CommandLevels.CURRENT) {
            throw new IllegalArgumentException("command level " + commandLevel + " must be between "
                    + CommandLevels.BASE + " and " + CommandLevels.CURRENT + " (the levels this build reads)");
        }
        seeds = List.copyOf(seeds);
        if (sessionSafetyMarginMs <= 0 || sessionSafetyMarginMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("session safety margin " + sessionSafetyMarginMs
                    + " ms must be > 0 and below the session timeout " + sessionTimeoutMs + " ms");
        }
    }

    /** The default margin: a quarter of the session timeout. */
    public static long defaultSafetyMarginMs(long sessionTimeoutMs) {
        return Math.max(1, sessionTimeoutMs / 4);
    }

    /** Whether this node is one of the founders named in the seed list. */
    public boolean isSeed() {
        return seeds.contains(advertise);
    }
}
