package io.tandem.time;

import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;

/** The time lines of {@code tandem status}: {@code name: value}, names stable for scripts. */
public final class TimeStatusText {

    private TimeStatusText() {
    }

    public static String of(TimeStatus t) {
        StringBuilder sb = new StringBuilder();
        NtpStatus n = t.ntp();
        line(sb, "hlc", HybridTimestamp.fromPacked(t.hlc()) + " (" + Instant.ofEpochMilli(
                HybridTimestamp.physicalOf(t.hlc())) + ")");
        line(sb, "ntp-servers", n.servers().isEmpty() ? "none (offset 0)" : String.join(",", n.servers()));
        line(sb, "ntp-offset", n.offsetMs() + " ms (applied " + n.appliedOffsetMs() + " ms)");
        line(sb, "ntp-delay", n.delayMs() + " ms");
        line(sb, "ntp-stratum", n.stratum());
        line(sb, "ntp-last-sync", n.lastSyncMillis() == 0 ? "never" : Instant.ofEpochMilli(n.lastSyncMillis()));
        line(sb, "ntp-reachable", n.reachable().isEmpty() ? "none" : String.join(",", n.reachable()));
        if (!n.rejected().isEmpty()) {
            line(sb, "ntp-rejected", String.join("; ", n.rejected()));
        }
        if (!n.lastError().isEmpty()) {
            line(sb, "ntp-note", n.lastError());
        }
        StringJoiner peers = new StringJoiner(",");
        for (Map.Entry<String, Long> e : t.peerOffsetsMs().entrySet()) {
            peers.add(e.getKey() + "=" + (e.getValue() >= 0 ? "+" : "") + e.getValue() + "ms");
        }
        line(sb, "peer-clocks", peers.length() == 0 ? "none" : peers.toString());
        line(sb, "clock-offset", (t.ownOffsetMs() >= 0 ? "+" : "") + t.ownOffsetMs() + " ms from the cluster median (max "
                + t.maxOffsetMs() + " ms)");
        line(sb, "skew-events", t.skewEvents());
        line(sb, "clock-skewed", t.skewed() ? "yes: " + t.reason() : "no");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, Object value) {
        sb.append(String.format("%-11s %s", name + ":", value)).append('\n');
    }
}
