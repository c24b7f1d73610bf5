package io.tandem.raft;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of one {@link RaftCore}. Times are counted in ticks; the runtime decides how long a
 * tick lasts. Immutable; {@link Builder#build()} validates once with messages that say what to fix.
 */
public final class RaftConfig {

    /**
     * Deliberately broken rules, only for proving that the simulator catches them. Never set in
     * production: nothing outside tests can reach {@link Builder#injectBugForTesting}.
     */
    public enum InjectedBug {
        /** Commit by counting replicas of entries from older terms (violates §5.4.2). */
        COMMIT_OLD_TERM_BY_COUNTING,
        /** Grant votes without the up-to-date log check (violates §5.4.1). */
        VOTE_WITHOUT_LOG_CHECK,
        /** Report a vote in the Ready but never mark it as needing persistence (violates §5.1). */
        SKIP_PERSIST_VOTE,
        /** Acknowledge appended entries before they are durable. */
        ACK_BEFORE_PERSIST
    }

    private final String nodeId;
    private final int electionTimeoutTicks;
    private final int heartbeatTicks;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final boolean leaseReads;
    private final int maxInflightMessages;
    private final long maxBytesPerAppend;
    private final long maxInflightBytes;
    private final int snapshotChunkBytes;
    private final long maxUncommittedEntries;
    private final long maxApplyBatchBytes;
    private final long learnerCatchUpMaxLagEntries;
    private final long compactionTrailingEntries;
    private final Set<InjectedBug> bugs;

    private RaftConfig(Builder b) {
        this.nodeId = b.nodeId;
        this.electionTimeoutTicks = b.electionTimeoutTicks;
        this.heartbeatTicks = b.heartbeatTicks;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.leaseReads = b.leaseReads;
        this.maxInflightMessages = b.maxInflightMessages;
        this.maxBytesPerAppend = b.maxBytesPerAppend;
        this.maxInflightBytes = b.maxInflightBytes;
        this.snapshotChunkBytes = b.snapshotChunkBytes;
        this.maxUncommittedEntries = b.maxUncommittedEntries;
        this.maxApplyBatchBytes = b.maxApplyBatchBytes;
        this.learnerCatchUpMaxLagEntries = b.learnerCatchUpMaxLagEntries;
        this.compactionTrailingEntries = b.compactionTrailingEntries;
        this.bugs = b.bugs.isEmpty() ? Set.of() : EnumSet.copyOf(b.bugs);
    }

    public static Builder builder(String nodeId) {
        return new Builder(nodeId);
    }

    public String nodeId() {
        return nodeId;
    }

    public int electionTimeoutTicks() {
        return electionTimeoutTicks;
    }

    public int heartbeatTicks() {
        return heartbeatTicks;
    }

    public boolean preVote() {
        return preVote;
    }

    public boolean checkQuorum() {
        return checkQuorum;
    }

    public boolean leaseReads() {
        return leaseReads;
    }

    public int maxInflightMessages() {
        return maxInflightMessages;
    }

    public long maxBytesPerAppend() {
        return maxBytesPerAppend;
    }

    public long maxInflightBytes() {
        return maxInflightBytes;
    }

    public int snapshotChunkBytes() {
        return snapshotChunkBytes;
    }

    public long maxUncommittedEntries() {
        return maxUncommittedEntries;
    }

    public long maxApplyBatchBytes() {
        return maxApplyBatchBytes;
    }

    public long learnerCatchUpMaxLagEntries() {
        return learnerCatchUpMaxLagEntries;
    }

    public long compactionTrailingEntries() {
        return compactionTrailingEntries;
    }

    boolean hasBug(InjectedBug bug) {
        return bugs.contains(bug);
    }

    public Builder toBuilder() {
        Builder b = new Builder(nodeId);
        b.electionTimeoutTicks = electionTimeoutTicks;
        b.heartbeatTicks = heartbeatTicks;
        b.preVote = preVote;
        b.checkQuorum = checkQuorum;
        b.leaseReads = leaseReads;
        b.maxInflightMessages = maxInflightMessages;
        b.maxBytesPerAppend = maxBytesPerAppend;
        b.maxInflightBytes = maxInflightBytes;
        b.snapshotChunkBytes = snapshotChunkBytes;
        b.maxUncommittedEntries = maxUncommittedEntries;
        b.maxApplyBatchBytes = maxApplyBatchBytes;
        b.learnerCatchUpMaxLagEntries = learnerCatchUpMaxLagEntries;
        b.compactionTrailingEntries = compactionTrailingEntries;
        b.bugs.addAll(bugs);
        return b;
    }

    /** Builder with documented defaults. */
    public static final class Builder {
        private final String nodeId;
        private int electionTimeoutTicks = 10;
        private int heartbeatTicks = 1;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private boolean leaseReads = false;
        private int maxInflightMessages = 256;
        private long maxBytesPerAppend = 1 << 20;
        private long maxInflightBytes = 32L << 20;
        private int snapshotChunkBytes = 1 << 20;
        private long maxUncommittedEntries = 100_000;
        private long maxApplyBatchBytes = 16L << 20;
        private long learnerCatchUpMaxLagEntries = 1_000;
        private long compactionTrailingEntries = 0;
        private final EnumSet<InjectedBug> bugs = EnumSet.noneOf(InjectedBug.class);

        private Builder(String nodeId) {
            this.nodeId = nodeId;
        }

        /** Ticks a follower waits without hearing a leader before it campaigns; randomized up to 2x. Default 10. */
        public Builder electionTimeoutTicks(int v) {
            electionTimeoutTicks = v;
            return this;
        }

        /** Ticks between leader heartbeats. Default 1. */
        public Builder heartbeatTicks(int v) {
            heartbeatTicks = v;
            return this;
        }

        /** PreVote (dissertation §9.6). Default on. */
        public Builder preVote(boolean v) {
            preVote = v;
            return this;
        }

        /** CheckQuorum: a leader that hears no majority for an election timeout steps down. Default on. */
        public Builder checkQuorum(boolean v) {
            checkQuorum = v;
            return this;
        }

        /**
         * Lease-based reads (dissertation §6.4.1): the leader answers reads without a heartbeat
         * round while a quorum acknowledged it within the last election timeout. Correct only if
         * tick rates on all nodes stay within a bounded drift; off by default.
         */
        public Builder leaseReads(boolean v) {
            leaseReads = v;
            return this;
        }

        /** AppendEntries messages in flight per follower while pipelining. Default 256. */
        public Builder maxInflightMessages(int v) {
            maxInflightMessages = v;
            return this;
        }

        /** Entry bytes per AppendEntries message (at least one entry is always sent). Default 1 MiB. */
        public Builder maxBytesPerAppend(long v) {
            maxBytesPerAppend = v;
            return this;
        }

        /** Entry bytes in flight per follower. Default 32 MiB. */
        public Builder maxInflightBytes(long v) {
            maxInflightBytes = v;
            return this;
        }

        /** Size of one InstallSnapshot chunk. Default 1 MiB. */
        public Builder snapshotChunkBytes(int v) {
            snapshotChunkBytes = v;
            return this;
        }

        /** Appended but uncommitted entries above which the leader rejects proposals. Default 100,000. */
        public Builder maxUncommittedEntries(long v) {
            maxUncommittedEntries = v;
            return this;
        }

        /** Payload bytes of committed entries handed out per Ready. Default 16 MiB. */
        public Builder maxApplyBatchBytes(long v) {
            maxApplyBatchBytes = v;
            return this;
        }

        /** A learner may be promoted only if it is at most this many entries behind the commit index. Default 1,000. */
        public Builder learnerCatchUpMaxLagEntries(long v) {
            learnerCatchUpMaxLagEntries = v;
            return this;
        }

        /** Entries kept before a snapshot when the log is compacted. Default 0 (the runtime sets its own). */
        public Builder compactionTrailingEntries(long v) {
            compactionTrailingEntries = v;
            return this;
        }

        /** For simulator self-tests only: switch on a deliberately broken rule. */
        public Builder injectBugForTesting(InjectedBug bug) {
            bugs.add(Objects.requireNonNull(bug));
            return this;
        }

        public RaftConfig build() {
            if (nodeId == null || nodeId.isEmpty()) {
                throw new IllegalArgumentException("nodeId must be a non-empty string");
            }
            require(electionTimeoutTicks >= 2, "electionTimeoutTicks (" + electionTimeoutTicks + ") must be >= 2");
            require(heartbeatTicks >= 1, "heartbeatTicks (" + heartbeatTicks + ") must be >= 1");
            require(heartbeatTicks < electionTimeoutTicks, "heartbeatTicks (" + heartbeatTicks
                    + ") must be < electionTimeoutTicks (" + electionTimeoutTicks + ")");
            require(maxInflightMessages >= 1, "maxInflightMessages (" + maxInflightMessages + ") must be >= 1");
            require(maxBytesPerAppend >= 1, "maxBytesPerAppend (" + maxBytesPerAppend + ") must be >= 1");
            require(maxInflightBytes >= maxBytesPerAppend, "maxInflightBytes (" + maxInflightBytes
                    + ") must be >= maxBytesPerAppend (" + maxBytesPerAppend + ")");
            require(snapshotChunkBytes >= 1, "snapshotChunkBytes (" + snapshotChunkBytes + ") must be >= 1");
            require(maxUncommittedEntries >= 1, "maxUncommittedEntries (" + maxUncommittedEntries + ") must be >= 1");
            require(maxApplyBatchBytes >= 1, "maxApplyBatchBytes (" + maxApplyBatchBytes + ") must be >= 1");
            require(learnerCatchUpMaxLagEntries >= 0, "learnerCatchUpMaxLagEntries must be >= 0");
            require(compactionTrailingEntries >= 0, "compactionTrailingEntries (" + compactionTrailingEntries
                    + ") must be >= 0");
            require(!leaseReads || checkQuorum, "leaseReads requires checkQuorum: without it a deposed leader"
                    + " could keep serving reads; enable checkQuorum or disable leaseReads");
            return new RaftConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
