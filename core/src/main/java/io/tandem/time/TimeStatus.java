package io.tandem.time;

import java.util.Map;

/**
 * One node's view of time, for {@code tandem status} and monitoring.
 *
 * @param hlc             the HLC's latest timestamp (packed)
 * @param physicalMillis  the NTP-corrected physical clock
 * @param ntp             the NTP offset source's last measurement
 * @param maxOffsetMs     the configured maximum clock offset
 * @param skewEvents      remote timestamps rejected for being more than the max offset ahead
 * @param lastSkewLeadMs  how far ahead the last rejected one was
 * @param peerOffsetsMs   each peer's estimated clock offset from ours (positive = ahead), fresh only
 * @param ownOffsetMs     our offset from the median of the cluster's clocks (positive = we are ahead)
 * @param skewed          whether this node considers its time suspect (see {@code reason})
 * @param reason          why it is skewed, or "" when it is not
 * @param oracleWindowUpTo the upper bound of the oracle window this node serves from (0 unless leader)
 */
public record TimeStatus(long hlc, long physicalMillis, NtpStatus ntp, long maxOffsetMs, long skewEvents,
                         long lastSkewLeadMs, Map<String, Long> peerOffsetsMs, long ownOffsetMs, boolean skewed,
                         String reason, long oracleWindowUpTo) {

    public TimeStatus {
        peerOffsetsMs = Map.copyOf(peerOffsetsMs);
    }
}
