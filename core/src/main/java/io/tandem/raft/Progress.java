package io.tandem.raft;

/**
 * The leader's view of one follower's replication (etcd's tracker.Progress).
 * PROBE sends one AppendEntries at a time until the follower's log position is known;
 * REPLICATE pipelines within the in-flight limits; SNAPSHOT streams chunks of a snapshot.
 */
final class Progress {

    enum State { PROBE, REPLICATE, SNAPSHOT }

    long match;
    long next;
    State state = State.PROBE;
    /** In PROBE: an append is outstanding; wait for its answer or the next heartbeat answer. */
    boolean probeSent;
    /** CheckQuorum: heard from since the last election-timeout check. */
    boolean recentActive;
    /** Highest commit index sent to this follower that it can use (capped by what it holds). */
    long sentCommit;
    /** Highest heartbeat round this follower has echoed (ReadIndex confirmation). */
    long roundAcked;
    /** Match index when the previous heartbeat answer arrived: detects a stalled pipeline. */
    long matchAtLastHeartbeat = -1;
    long snapshotIndex;
    SnapshotMeta snapshotMeta;
    long snapshotOffset;
    boolean snapshotChunkInFlight;
    long snapshotSentTick;

    // In-flight AppendEntries, as a ring of (last index, bytes).
    private final long[] inflightIndex;
    private final long[] inflightBytes;
    private int inflightStart;
    private int inflightCount;
    private long inflightTotalBytes;
    private final long maxInflightBytes;

    Progress(long next, int maxInflightMessages, long maxInflightBytes) {
        this.next = next;
        this.inflightIndex = new long[maxInflightMessages];
        this.inflightBytes = new long[maxInflightMessages];
        this.maxInflightBytes = maxInflightBytes;
    }

    void becomeProbe() {
        // After a snapshot, resume from just past it; otherwise from just past the match.
        if (state == State.SNAPSHOT) {
            next = Math.max(match + 1, snapshotIndex + 1);
        } else {
            next = match + 1;
        }
        state = State.PROBE;
        probeSent = false;
        clearInflights();
    }

    void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        probeSent = false;
        clearInflights();
    }

    void becomeSnapshot(long index) {
        state = State.SNAPSHOT;
        snapshotIndex = index;
        snapshotOffset = 0;
        snapshotChunkInFlight = false;
        probeSent = false;
        clearInflights();
    }

    /** Raises match; returns whether it moved. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * A rejection of {@code rejected} arrived; moves next back to {@code hint} if the rejection is
     * not stale. Returns false for stale rejections (duplicated or reordered answers).
     */
    boolean maybeDecrTo(long rejected, long hint) {
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        // Not clamped to match + 1: a follower that lost acknowledged entries (a broken disk)
        // must still be walked back to where its log really ends, or the probe loops forever.
        next = Math.max(Math.min(rejected, hint), 1);
        probeSent = false;
        return true;
    }

    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflightCount == inflightIndex.length || inflightTotalBytes >= maxInflightBytes;
            case SNAPSHOT -> true;
        };
    }

    void addInflight(long lastIndex, long bytes) {
        int slot = (inflightStart + inflightCount) % inflightIndex.length;
        inflightIndex[slot] = lastIndex;
        inflightBytes[slot] = bytes;
        inflightCount++;
        inflightTotalBytes += bytes;
    }

    /** Frees in-flight messages whose last index is at or below {@code index}. */
    void freeInflightsTo(long index) {
        while (inflightCount > 0 && inflightIndex[inflightStart] <= index) {
            inflightTotalBytes -= inflightBytes[inflightStart];
            inflightStart = (inflightStart + 1) % inflightIndex.length;
            inflightCount--;
        }
    }

    void freeFirstInflight() {
        if (inflightCount > 0) {
            freeInflightsTo(inflightIndex[inflightStart]);
        }
    }

    boolean inflightsFull() {
        return inflightCount == inflightIndex.length || inflightTotalBytes >= maxInflightBytes;
    }

    private void clearInflights() {
        inflightStart = 0;
        inflightCount = 0;
        inflightTotalBytes = 0;
    }

    @Override
    public String toString() {
        return state + "{match=" + match + ", next=" + next + ", inflight=" + inflightCount + "}";
    }
}
