package io.tandem.time;

import java.util.List;

/**
 * What the NTP offset source last measured.
 *
 * @param servers          the configured servers (host or host:port); empty = NTP off, offset 0
 * @param offsetMs         the measured offset (server time - local wall clock): the median over the
 *                         servers kept, after outliers were dropped
 * @param appliedOffsetMs  the part of it applied to the clock so far (backward corrections are slewed)
 * @param delayMs          the round-trip delay of the best sample of the servers kept
 * @param stratum          the lowest stratum among the servers kept (0 if none)
 * @param lastSyncMillis   wall time of the last successful measurement, 0 if never
 * @param reachable        servers that answered in the last round
 * @param rejected         servers that answered but were dropped (outlier, insane offset, unsynchronised), with why
 * @param lastError        why the last round failed or what went wrong with some server; empty if nothing
 */
public record NtpStatus(List<String> servers, long offsetMs, long appliedOffsetMs, long delayMs, int stratum,
                        long lastSyncMillis, List<String> reachable, List<String> rejected, String lastError) {

    public NtpStatus {
        servers = List.copyOf(servers);
        reachable = List.copyOf(reachable);
        rejected = List.copyOf(rejected);
    }

    public static final NtpStatus OFF = new NtpStatus(List.of(), 0, 0, 0, 0, 0, List.of(), List.of(),
            "no NTP servers configured: offset 0 (the local clock is trusted as is)");

    public boolean enabled() {
        return !servers.isEmpty();
    }

    public boolean synced() {
        return lastSyncMillis > 0;
    }
}
