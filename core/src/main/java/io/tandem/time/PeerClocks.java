package io.tandem.time;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates of the other nodes' clock offsets, from the physical time each Raft message carries:
 * {@code remote physical - local physical} at receipt, which overstates the peer's lead by the
 * one-way delay (well under a millisecond on a LAN, so it is ignored). Written by the loop thread,
 * read by anyone; allocation only when a peer is first seen.
 */
public final class PeerClocks {

    /** Estimates older than this are not used for the skew verdict. */
    public static final long FRESH_MS = 30_000;

    private static final class Peer {
        volatile long offsetMs;
        volatile long seenAtMs;
    }

    private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();

    public void observe(String peerId, long remotePhysicalMs, long localPhysicalMs) {
        Peer p = peers.computeIfAbsent(peerId, k -> new Peer());
        p.offsetMs = remotePhysicalMs - localPhysicalMs;
        p.seenAtMs = localPhysicalMs;
    }

    /** Peer id to its estimated offset (ms, positive = its clock is ahead of ours), fresh estimates only. */
    public Map<String, Long> offsets(long nowMs) {
        Map<String, Long> out = new TreeMap<>();
        peers.forEach((id, p) -> {
            if (nowMs - p.seenAtMs < FRESH_MS) {
                out.put(id, p.offsetMs);
            }
        });
        return out;
    }

    /**
     * Our clock's offset from the cluster's: minus the median of the peers' offsets (ms; positive
     * = we are ahead), counting ourselves as one more sample at 0; 0 without fresh estimates.
     */
    public long ownOffsetMs(long nowMs) {
        List<Long> all = new ArrayList<>(offsets(nowMs).values());
        if (all.isEmpty()) {
            return 0;
        }
        all.add(0L);
        all.sort(null);
        int n = all.size();
        long median = n % 2 == 1 ? all.get(n / 2) : Math.floorDiv(all.get(n / 2 - 1) + all.get(n / 2), 2);
        return -median;
    }
}
