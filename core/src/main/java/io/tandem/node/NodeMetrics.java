package io.tandem.node;

import java.util.Map;

/**
 * A node's gauges, published by its loop twice a second (reading them costs nothing). Counters
 * and latencies go through a {@link Sink} as they happen. Neither needs a metrics library; see
 * {@code io.tandem.metrics.TandemMetrics} for the Micrometer binding.
 *
 * @param role            0 follower, 1 pre-candidate, 2 candidate, 3 leader, -1 not started
 * @param replicationLag  leader only: entries each peer is behind the leader's last index
 * @param tasksReady      task queue depths, summed over all queues (ready, delayed, claimed, dead)
 */
public record NodeMetrics(int role, long term, long commitIndex, long appliedIndex, long lastIndex,
                          Map<String, Long> replicationLag, int voters, int learners, int sessions, int locksHeld,
                          int lockWaiters, int pendingRequests, int inboxDepth, long tasksReady,
                          long tasksDelayed, long tasksClaimed, long tasksDead) {

    public static final NodeMetrics EMPTY = new NodeMetrics(-1, 0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0);

    public NodeMetrics {
        replicationLag = Map.copyOf(replicationLag);
    }

    /** Receives events as they happen; called on the loop and on the log's syncer thread, so it must be quick. */
    public interface Sink {
        /** A command of this node's session applied, {@code nanos} after it was submitted. */
        default void proposalApplied(long nanos) {
        }

        /** The log made a batch durable in {@code nanos}. */
        default void fsync(long nanos) {
        }

        /** {@code size} commands left this node in one batch (to the leader's log or forwarded). */
        default void proposalBatch(int size) {
        }

        /**
         * A message or forwarded proposal was refused ({@code reason}: forged_sender, not_a_member,
         * misaddressed, invalid_proposal); see docs/security.md.
         */
        default void messageRefused(String reason) {
        }
    }
}
