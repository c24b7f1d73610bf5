package io.tandem.time;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.net.ntp.NTPUDPClient;
import org.apache.commons.net.ntp.NtpV3Packet;
import org.apache.commons.net.ntp.TimeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the offset of the local wall clock against NTP servers (Apache commons-net
 * {@link NTPUDPClient}) and feeds it to a {@link SlewedClock}.
 *
 * <p><b>One round</b> ({@link #refreshNow()}): ask every server {@code samplesPerServer} times;
 * drop answers that are unsynchronised (stratum 0 or 16, leap indicator 3) or whose offset is
 * beyond the sanity bound; per server keep the half of the samples with the lowest round-trip
 * delay (the least disturbed by queueing) and take their median offset. Across servers take the
 * median, then drop servers further than {@code max(outlierMs, 4 x their delay)} from it
 * (falsetickers) and take the median of the rest. With no server configured the offset is 0.
 *
 * <p><b>Schedule</b>: {@link #nextDelayMs()} is the refresh interval after a good round, and an
 * exponential back-off (1 s, 2 s, ... up to the refresh interval) while no server answers; the
 * last good offset stays applied meanwhile. Rounds block on the network; run them on a
 * background thread. Thread-safe.
 */
public final class NtpOffsetSource {

    private static final Logger LOG = LoggerFactory.getLogger(NtpOffsetSource.class);
    static final int DEFAULT_PORT = 123;

    /**
     * @param servers          host or host:port each; empty turns NTP off
     * @param samplesPerServer queries per server per round (>= 1)
     * @param timeoutMs        per query
     * @param refreshMs        between good rounds
     * @param sanityBoundMs    a server whose offset is beyond +-this is ignored (a broken server, not our clock)
     * @param outlierMs        minimum distance from the median at which a server counts as an outlier
     */
    public record Settings(List<String> servers, int samplesPerServer, int timeoutMs, long refreshMs,
                           long sanityBoundMs, long outlierMs) {
        public Settings {
            servers = List.copyOf(servers);
            if (samplesPerServer < 1 || timeoutMs < 1 || refreshMs < 1 || sanityBoundMs < 1 || outlierMs < 1) {
                throw new IllegalArgumentException("NTP settings must be positive: " + samplesPerServer + " samples, "
                        + timeoutMs + " ms timeout, " + refreshMs + " ms refresh, " + sanityBoundMs + " ms sanity bound, "
                        + outlierMs + " ms outlier distance");
            }
        }

        public static Settings of(List<String> servers, long refreshMs) {
            return new Settings(servers, 4, 1000, refreshMs, 3_600_000, 100);
        }
    }

    /** One answer: offset = server - local (ms), delay = round trip (ms). */
    public record Sample(long offsetMs, long delayMs, int stratum) {
    }

    /** Asks one server once; the production binding is commons-net. */
    @FunctionalInterface
    public interface Querier {
        Sample query(String host, int port, int timeoutMs) throws IOException;
    }

    /** The result of combining one round's samples. */
    record Combined(boolean ok, long offsetMs, long delayMs, int stratum, List<String> kept, List<String> rejected) {
    }

    private final Settings settings;
    private final Querier querier;
    private final SlewedClock clock;
    private final PhysicalClock wall;
    private volatile NtpStatus status;
    private int failures;

    public NtpOffsetSource(Settings settings, SlewedClock clock, PhysicalClock wall) {
        this(settings, clock, wall, NtpOffsetSource::queryCommonsNet);
    }

    public NtpOffsetSource(Settings settings, SlewedClock clock, PhysicalClock wall, Querier querier) {
        this.settings = settings;
        this.clock = clock;
        this.wall = wall;
        this.querier = querier;
        this.status = settings.servers().isEmpty() ? NtpStatus.OFF
                : new NtpStatus(settings.servers(), 0, 0, 0, 0, 0, List.of(), List.of(), "not measured yet");
    }

    public NtpStatus status() {
        NtpStatus s = status;
        return s.appliedOffsetMs() == clock.appliedOffsetMs() ? s : new NtpStatus(s.servers(), s.offsetMs(),
                clock.appliedOffsetMs(), s.delayMs(), s.stratum(), s.lastSyncMillis(), s.reachable(), s.rejected(),
                s.lastError());
    }

    public boolean enabled() {
        return !settings.servers().isEmpty();
    }

    /** Milliseconds until the next round should run. */
    public synchronized long nextDelayMs() {
        if (failures == 0) {
            return settings.refreshMs();
        }
        return Math.min(settings.refreshMs(), 1000L << Math.min(failures - 1, 20));
    }

    /** Runs one round (blocking, up to servers x samples x timeout) and applies a good result. */
    public synchronized NtpStatus refreshNow() {
        if (!enabled()) {
            return status;
        }
        Map<String, List<Sample>> answers = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (String server : settings.servers()) {
            List<Sample> samples = new ArrayList<>();
            String host = host(server);
            int port = port(server);
            for (int i = 0; i < settings.samplesPerServer(); i++) {
                try {
                    samples.add(querier.query(host, port, settings.timeoutMs()));
                } catch (IOException | RuntimeException e) {
                    errors.add(server + ": " + e.getMessage());
                    LOG.debug("NTP query to {} failed: {}", server, e.toString());
                }
            }
            if (!samples.isEmpty()) {
                answers.put(server, samples);
            }
        }
        Combined c = combine(answers, settings.sanityBoundMs(), settings.outlierMs());
        NtpStatus prev = status;
        String error = errors.isEmpty() ? "" : String.join("; ", errors.subList(0, Math.min(3, errors.size())));
        if (c.ok()) {
            failures = 0;
            clock.setTarget(c.offsetMs());
            status = new NtpStatus(settings.servers(), c.offsetMs(), clock.appliedOffsetMs(), c.delayMs(), c.stratum(),
                    wall.millis(), c.kept(), c.rejected(), error);
            LOG.debug("NTP: offset {} ms, delay {} ms, stratum {}, from {} (rejected {})", c.offsetMs(), c.delayMs(),
                    c.stratum(), c.kept(), c.rejected());
        } else {
            failures++;
            String why = answers.isEmpty() ? "no NTP server answered (" + error + ")"
                    : "no usable NTP answer (" + String.join("; ", c.rejected()) + ")";
            status = new NtpStatus(settings.servers(), prev.offsetMs(), clock.appliedOffsetMs(), prev.delayMs(),
                    prev.stratum(), prev.lastSyncMillis(), List.of(), c.rejected(), why);
            LOG.warn("NTP: {}; keeping offset {} ms; next try in {} ms", why, prev.offsetMs(), nextDelayMs());
        }
        return status;
    }

    /** Combines one round's answers (see the class comment). Pure; package-private for tests. */
    static Combined combine(Map<String, List<Sample>> answers, long sanityBoundMs, long outlierMs) {
        List<String> rejected = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Sample> best = new ArrayList<>(); // per server: median offset, min delay, stratum
        for (Map.Entry<String, List<Sample>> e : answers.entrySet()) {
            List<Sample> usable = new ArrayList<>();
            String why = null;
            for (Sample s : e.getValue()) {
                if (s.stratum() <= 0 || s.stratum() >= 16) {
                    why = "unsynchronised (stratum " + s.stratum() + ")";
                } else if (Math.abs(s.offsetMs()) > sanityBoundMs) {
                    why = "offset " + s.offsetMs() + " ms beyond the sanity bound of " + sanityBoundMs + " ms";
                } else if (s.delayMs() < 0) {
                    why = "negative delay " + s.delayMs() + " ms";
                } else {
                    usable.add(s);
                }
            }
            if (usable.isEmpty()) {
                rejected.add(e.getKey() + " " + why);
                continue;
            }
            usable.sort(Comparator.comparingLong(Sample::delayMs));
            List<Sample> fastest = usable.subList(0, Math.max(1, (usable.size() + 1) / 2));
            long[] offsets = fastest.stream().mapToLong(Sample::offsetMs).sorted().toArray();
            names.add(e.getKey());
            best.add(new Sample(median(offsets), fastest.get(0).delayMs(), fastest.get(0).stratum()));
        }
        if (best.isEmpty()) {
            return new Combined(false, 0, 0, 0, List.of(), rejected);
        }
        long mid = median(best.stream().mapToLong(Sample::offsetMs).sorted().toArray());
        List<String> kept = new ArrayList<>();
        List<Sample> keptSamples = new ArrayList<>();
        for (int i = 0; i < best.size(); i++) {
            Sample s = best.get(i);
            long distance = Math.abs(s.offsetMs() - mid);
            if (best.size() >= 3 && distance > Math.max(outlierMs, 4 * s.delayMs())) {
                rejected.add(names.get(i) + " outlier (offset " + s.offsetMs() + " ms, median " + mid + " ms)");
            } else {
                kept.add(names.get(i));
                keptSamples.add(s);
            }
        }
        long offset = median(keptSamples.stream().mapToLong(Sample::offsetMs).sorted().toArray());
        long delay = keptSamples.stream().mapToLong(Sample::delayMs).min().orElse(0);
        int stratum = keptSamples.stream().mapToInt(Sample::stratum).min().orElse(0);
        return new Combined(true, offset, delay, stratum, kept, rejected);
    }

    private static long median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : Math.floorDiv(sorted[n / 2 - 1] + sorted[n / 2], 2);
    }

    static String host(String server) {
        int colon = server.lastIndexOf(':');
        if (server.startsWith("[")) {
            return server.substring(1, server.indexOf(']'));
        }
        return colon > 0 && server.indexOf(':') == colon ? server.substring(0, colon) : server;
    }

    static int port(String server) {
        int colon = server.lastIndexOf(':');
        boolean hasPort = server.startsWith("[") ? server.indexOf("]:") > 0 : colon > 0 && server.indexOf(':') == colon;
        if (!hasPort) {
            return DEFAULT_PORT;
        }
        try {
            int p = Integer.parseInt(server.substring(colon + 1));
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("NTP server '" + server + "': port must be 1-65535");
        }
    }

    /** One query with commons-net; a fresh socket each time, closed afterwards. */
    static Sample queryCommonsNet(String host, int port, int timeoutMs) throws IOException {
        NTPUDPClient client = new NTPUDPClient();
        client.setDefaultTimeout(java.time.Duration.ofMillis(timeoutMs));
        try {
            client.open();
            TimeInfo info = client.getTime(InetAddress.getByName(host), port);
            info.computeDetails();
            NtpV3Packet msg = info.getMessage();
            Long offset = info.getOffset();
            Long delay = info.getDelay();
            if (offset == null || delay == null) {
                throw new IOException("answer without timestamps from " + host + ":" + port + " "
                        + String.join(", ", info.getComments() == null ? List.of() : info.getComments()));
            }
            int stratum = msg.getLeapIndicator() == NtpV3Packet.LI_ALARM_CONDITION ? 16 : msg.getStratum();
            return new Sample(offset, delay, stratum);
        } finally {
            client.close();
        }
    }
}
