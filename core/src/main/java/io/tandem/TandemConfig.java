package io.tandem;

import io.tandem.transport.Endpoint;
import io.tandem.transport.TlsConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Everything one Tandem node needs, validated once by {@link Builder#build()} with messages that
 * say what is wrong and what to do. Immutable.
 *
 * <p>Cluster-wide settings (must match on every node): {@code clusterName}, {@code clusterSecret},
 * {@code tick}, {@code electionTimeoutTicks}, {@code heartbeatTicks}, {@code sessionTimeout},
 * {@code voterCount}, key and value limits, and the seed list on founders. Node-local settings:
 * {@code nodeId}, {@code bind}, {@code advertise}, {@code dataDir}, {@code tls}.
 *
 * <p>The same settings load from a properties file and from environment variables (see
 * {@link #fromProperties} and docs/operations.md); explicit builder calls win over both.
 */
public final class TandemConfig {

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String nodeId;
    private final Endpoint bind;
    private final Endpoint advertise;
    private final List<Endpoint> seeds;
    private final Path dataDir;
    private final boolean inMemory;
    private final String clusterName;
    private final byte[] clusterSecret;
    private final Duration tick;
    private final int electionTimeoutTicks;
    private final int heartbeatTicks;
    private final Duration sessionTimeout;
    private final Duration sessionSafetyMargin;
    private final Duration requestTimeout;
    private final int voterCount;
    private final Duration autopilotDeadServerAfter;
    private final Duration autopilotStabilization;
    private final int minVoters;
    private final long snapshotEveryEntries;
    private final int maxKeyBytes;
    private final int maxValueBytes;
    private final int watchHistoryEvents;
    private final TlsConfig tls;
    private final List<String> ntpServers;
    private final Duration ntpRefresh;
    private final Duration maxClockOffset;
    private final Integer httpPort;
    private final String httpHost;

    private TandemConfig(Builder b, Endpoint advertise, List<Endpoint> seeds, TlsConfig tls) {
        this.nodeId = b.nodeId;
        this.bind = b.bind;
        this.advertise = advertise;
        this.seeds = List.copyOf(seeds);
        this.dataDir = b.dataDir;
        this.inMemory = b.inMemory;
        this.clusterName = b.clusterName;
        this.clusterSecret = b.clusterSecret.clone();
        this.tick = b.tick;
        this.electionTimeoutTicks = b.electionTimeoutTicks;
        this.heartbeatTicks = b.heartbeatTicks;
        this.sessionTimeout = b.sessionTimeout;
        this.sessionSafetyMargin = b.sessionSafetyMargin != null ? b.sessionSafetyMargin
                : Duration.ofMillis(Math.max(1, b.sessionTimeout.toMillis() / 4));
        this.requestTimeout = b.requestTimeout;
        this.voterCount = b.voterCount;
        this.autopilotDeadServerAfter = b.autopilotDeadServerAfter;
        this.autopilotStabilization = b.autopilotStabilization;
        this.minVoters = b.minVoters > 0 ? b.minVoters : Math.min(3, b.voterCount);
        this.snapshotEveryEntries = b.snapshotEveryEntries;
        this.maxKeyBytes = b.maxKeyBytes;
        this.maxValueBytes = b.maxValueBytes;
        this.watchHistoryEvents = b.watchHistoryEvents;
        this.tls = tls;
        this.httpPort = b.httpPort;
        this.httpHost = b.httpHost != null ? b.httpHost : b.bind.host();
        this.ntpServers = List.copyOf(b.ntpServers);
        this.ntpRefresh = b.ntpRefresh;
        this.maxClockOffset = b.maxClockOffset;
    }

    /** The same settings with the port the transport actually bound (bind asked for port 0). */
    TandemConfig withBoundPort(int port) {
        Endpoint boundBind = new Endpoint(bind.host(), port);
        Endpoint boundAdvertise = advertise.port() == 0 ? new Endpoint(advertise.host(), port) : advertise;
        // A seed with port 0 can only be the default seed list (just this node): users must name real ports.
        List<Endpoint> boundSeeds = seeds.stream().map(s -> s.port() == 0 ? boundAdvertise : s).toList();
        return new TandemConfig(this, boundBind, boundAdvertise, boundSeeds);
    }

    private TandemConfig(TandemConfig o, Endpoint bind, Endpoint advertise, List<Endpoint> seeds) {
        this.nodeId = o.nodeId;
        this.bind = bind;
        this.advertise = advertise;
        this.seeds = List.copyOf(seeds);
        this.dataDir = o.dataDir;
        this.inMemory = o.inMemory;
        this.clusterName = o.clusterName;
        this.clusterSecret = o.clusterSecret.clone();
        this.tick = o.tick;
        this.electionTimeoutTicks = o.electionTimeoutTicks;
        this.heartbeatTicks = o.heartbeatTicks;
        this.sessionTimeout = o.sessionTimeout;
        this.sessionSafetyMargin = o.sessionSafetyMargin;
        this.requestTimeout = o.requestTimeout;
        this.voterCount = o.voterCount;
        this.autopilotDeadServerAfter = o.autopilotDeadServerAfter;
        this.autopilotStabilization = o.autopilotStabilization;
        this.minVoters = o.minVoters;
        this.snapshotEveryEntries = o.snapshotEveryEntries;
        this.maxKeyBytes = o.maxKeyBytes;
        this.maxValueBytes = o.maxValueBytes;
        this.watchHistoryEvents = o.watchHistoryEvents;
        this.tls = o.tls;
        this.ntpServers = o.ntpServers;
        this.ntpRefresh = o.ntpRefresh;
        this.maxClockOffset = o.maxClockOffset;
        this.httpPort = o.httpPort;
        this.httpHost = o.httpHost;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String nodeId() {
        return nodeId;
    }

    public Endpoint bind() {
        return bind;
    }

    public Endpoint advertise() {
        return advertise;
    }

    public List<Endpoint> seeds() {
        return seeds;
    }

    public Optional<Path> dataDir() {
        return Optional.ofNullable(dataDir);
    }

    public boolean inMemory() {
        return inMemory;
    }

    public String clusterName() {
        return clusterName;
    }

    /** A copy of the secret. */
    public byte[] clusterSecret() {
        return clusterSecret.clone();
    }

    public Duration tick() {
        return tick;
    }

    public int electionTimeoutTicks() {
        return electionTimeoutTicks;
    }

    public int heartbeatTicks() {
        return heartbeatTicks;
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * How long before the cluster could expire this node's session the node itself treats its
     * locks and leaderships as lost (default: a quarter of the session timeout).
     */
    public Duration sessionSafetyMargin() {
        return sessionSafetyMargin;
    }

    /** Target number of voters; further nodes stay learners. See {@link Builder#voterCount(int)}. */
    public int voterCount() {
        return voterCount;
    }

    /** Autopilot replaces a voter (and drops a learner) not heard from for this long. Default 30 s. */
    public Duration autopilotDeadServerAfter() {
        return autopilotDeadServerAfter;
    }

    /** A learner must be caught up this long before autopilot promotes it. Default 5 s. */
    public Duration autopilotStabilization() {
        return autopilotStabilization;
    }

    /** Autopilot never removes a voter if fewer than this many would remain. Default min(3, voterCount). */
    public int minVoters() {
        return minVoters;
    }

    public long snapshotEveryEntries() {
        return snapshotEveryEntries;
    }

    public int maxKeyBytes() {
        return maxKeyBytes;
    }

    public int maxValueBytes() {
        return maxValueBytes;
    }

    public int watchHistoryEvents() {
        return watchHistoryEvents;
    }

    public Optional<TlsConfig> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * The port of the HTTP endpoint ({@code /health/live}, {@code /health/ready}, {@code /metrics}),
     * 0 for any free port; empty (the default) when it is off.
     */
    public Optional<Integer> httpPort() {
        return Optional.ofNullable(httpPort);
    }

    /** The address the HTTP endpoint listens on; default the host of {@link #bind()}. */
    public String httpHost() {
        return httpHost;
    }

    /** NTP servers (host or host:port); empty = offset 0, the local clock trusted as is. */
    public List<String> ntpServers() {
        return ntpServers;
    }

    public Duration ntpRefresh() {
        return ntpRefresh;
    }

    /** A remote HLC timestamp further ahead than this is refused and reported as skew. */
    public Duration maxClockOffset() {
        return maxClockOffset;
    }

    /**
     * Reads settings from properties (keys as in docs/operations.md, e.g. {@code tandem.node-id},
     * {@code tandem.seeds}), then lets environment variables ({@code TANDEM_NODE_ID},
     * {@code TANDEM_SEEDS}, ...) override them. Returns a builder so code can override further.
     */
    public static Builder fromProperties(Properties props, Map<String, String> env) {
        return fromProperties(props, env, "properties");
    }

    /**
     * Environment variables that start with {@code TANDEM_} but configure the CLI, not a node;
     * a node ignores them (an operator's shell often holds both).
     */
    static final java.util.Set<String> CLIENT_ENV = java.util.Set.of("TANDEM_ENDPOINTS", "TANDEM_CACERT",
            "TANDEM_CERT", "TANDEM_KEY");

    private static Builder fromProperties(Properties props, Map<String, String> env, String source) {
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith("tandem.") && Setting.byKey(name) == null) {
                throw new InvalidArgumentException("unknown setting '" + name + "' in " + source + "; did you mean '"
                        + Setting.nearest(name).key + "'? Known settings: docs/operations.md, or tandem node --help");
            }
        }
        for (String name : env.keySet()) {
            if (name.startsWith("TANDEM_") && !CLIENT_ENV.contains(name) && Setting.byEnv(name) == null) {
                throw new InvalidArgumentException("unknown environment variable " + name + "; did you mean "
                        + Setting.nearest(name).envName() + "? Unset it, or see docs/operations.md for the settings");
            }
        }
        Builder b = builder();
        for (Setting s : Setting.values()) {
            String value = env.get(s.envName());
            if (value == null) {
                value = props.getProperty(s.key);
            }
            if (value != null && !value.isBlank()) {
                s.apply(b, value.trim());
            }
        }
        return b;
    }

    /** Applies the settings present in {@code props} (same keys) on top of {@code b}. */
    public static Builder applyTo(Builder b, Properties props) {
        for (Setting s : Setting.values()) {
            String value = props.getProperty(s.key);
            if (value != null && !value.isBlank()) {
                s.apply(b, value.trim());
            }
        }
        return b;
    }

    /** {@link #fromProperties} on a file. */
    public static Builder fromFile(Path file, Map<String, String> env) {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (IOException e) {
            throw new InvalidArgumentException("cannot read config file " + file.toAbsolutePath() + ": " + e);
        }
        return fromProperties(props, env, "config file " + file.toAbsolutePath());
    }

    /** The settings a properties file or the environment may carry. */
    public enum Setting {
        NODE_ID("tandem.node-id", "unique id of this node, 1-64 of [A-Za-z0-9._-]") {
            void apply(Builder b, String v) {
                b.nodeId(v);
            }
        },
        BIND("tandem.bind", "host:port to listen on for peers and clients (default 127.0.0.1:7400)") {
            void apply(Builder b, String v) {
                b.bind(v);
            }
        },
        ADVERTISE("tandem.advertise", "host:port other nodes reach this one at (default: bind unless bind is a wildcard)") {
            void apply(Builder b, String v) {
                b.advertise(v);
            }
        },
        SEEDS("tandem.seeds", "the founders' advertised addresses, comma-separated, identical on every founder") {
            void apply(Builder b, String v) {
                b.seeds(v.split("\\s*,\\s*"));
            }
        },
        DATA_DIR("tandem.data-dir", "directory for the log, snapshots and metadata") {
            void apply(Builder b, String v) {
                b.dataDir(Path.of(v));
            }
        },
        IN_MEMORY("tandem.in-memory", "keep no data on disk (each start is a new member)") {
            void apply(Builder b, String v) {
                if (Boolean.parseBoolean(v)) {
                    b.inMemory();
                }
            }
        },
        CLUSTER_NAME("tandem.cluster-name", "cluster name, identical on every node (default tandem)") {
            void apply(Builder b, String v) {
                b.clusterName(v);
            }
        },
        CLUSTER_SECRET("tandem.cluster-secret", "shared secret proving membership, at least 16 bytes") {
            void apply(Builder b, String v) {
                b.clusterSecret(v.getBytes(StandardCharsets.UTF_8));
            }
        },
        TICK_MS("tandem.tick-ms", "length of one Raft tick in ms (default 50)") {
            void apply(Builder b, String v) {
                b.tick(Duration.ofMillis(parseLong(key, v)));
            }
        },
        ELECTION_TIMEOUT_TICKS("tandem.election-timeout-ticks", "election timeout in ticks (default 10)") {
            void apply(Builder b, String v) {
                b.electionTimeoutTicks((int) parseLong(key, v));
            }
        },
        SESSION_TIMEOUT_MS("tandem.session-timeout-ms", "a session not renewed for this long expires (default 5000)") {
            void apply(Builder b, String v) {
                b.sessionTimeout(Duration.ofMillis(parseLong(key, v)));
            }
        },
        SESSION_SAFETY_MARGIN_MS("tandem.session-safety-margin-ms", "locks are treated as lost this long before the session can expire (default 1/4)") {
            void apply(Builder b, String v) {
                b.sessionSafetyMargin(Duration.ofMillis(parseLong(key, v)));
            }
        },
        REQUEST_TIMEOUT_MS("tandem.request-timeout-ms", "calls fail with a timeout after this long (default 10000)") {
            void apply(Builder b, String v) {
                b.requestTimeout(Duration.ofMillis(parseLong(key, v)));
            }
        },
        AUTOPILOT_DEAD_SERVER_AFTER_MS("tandem.autopilot-dead-server-after-ms", "a member unheard for this long is replaced (default 30000)") {
            void apply(Builder b, String v) {
                b.autopilotDeadServerAfter(Duration.ofMillis(parseLong(key, v)));
            }
        },
        AUTOPILOT_STABILIZATION_MS("tandem.autopilot-stabilization-ms", "a learner must be caught up this long before promotion (default 5000)") {
            void apply(Builder b, String v) {
                b.autopilotStabilization(Duration.ofMillis(parseLong(key, v)));
            }
        },
        MIN_VOTERS("tandem.min-voters", "autopilot never removes a voter if fewer would remain (default min(3, voter-count))") {
            void apply(Builder b, String v) {
                b.minVoters((int) parseLong(key, v));
            }
        },
        VOTER_COUNT("tandem.voter-count", "target number of voters; further nodes stay learners (default 3)") {
            void apply(Builder b, String v) {
                b.voterCount((int) parseLong(key, v));
            }
        },
        SNAPSHOT_EVERY_ENTRIES("tandem.snapshot-every-entries", "applied entries between snapshots (default 10000)") {
            void apply(Builder b, String v) {
                b.snapshotEveryEntries(parseLong(key, v));
            }
        },
        NTP_SERVERS("tandem.ntp-servers", "NTP servers, comma-separated (default none)") {
            void apply(Builder b, String v) {
                b.ntpServers(v.split("\\s*,\\s*"));
            }
        },
        NTP_REFRESH_MS("tandem.ntp-refresh-ms", "how often to ask the NTP servers (default 64000)") {
            void apply(Builder b, String v) {
                b.ntpRefresh(Duration.ofMillis(parseLong(key, v)));
            }
        },
        MAX_CLOCK_OFFSET_MS("tandem.max-clock-offset-ms", "a peer timestamp further ahead than this is refused (default 500)") {
            void apply(Builder b, String v) {
                b.maxClockOffset(Duration.ofMillis(parseLong(key, v)));
            }
        },
        TLS_CERT("tandem.tls-cert", "TLS: this node's certificate chain, PEM (turns TLS on with tls-key and"
                + " tls-ca)") {
            void apply(Builder b, String v) {
                b.tlsParts().certificateChain(Path.of(v));
            }
        },
        TLS_KEY("tandem.tls-key", "TLS: this node's PKCS#8 private key, PEM") {
            void apply(Builder b, String v) {
                b.tlsParts().privateKey(Path.of(v));
            }
        },
        TLS_KEY_PASSWORD("tandem.tls-key-password", "TLS: the password of an encrypted tls-key") {
            void apply(Builder b, String v) {
                b.tlsParts().privateKeyPassword(v);
            }
        },
        TLS_CA("tandem.tls-ca", "TLS: the CA certificate(s) that sign every node and client, PEM") {
            void apply(Builder b, String v) {
                b.tlsParts().trustedCertificates(Path.of(v));
            }
        },
        TLS_MUTUAL("tandem.tls-mutual", "TLS: require a client certificate from every peer and client (default"
                + " true)") {
            void apply(Builder b, String v) {
                b.tlsParts().mutual(parseBoolean(key, v));
            }
        },
        TLS_VERIFY_HOSTNAME("tandem.tls-verify-hostname", "TLS: check that a peer's certificate names the host"
                + " dialled (default true)") {
            void apply(Builder b, String v) {
                b.tlsParts().verifyHostname(parseBoolean(key, v));
            }
        },
        HTTP_PORT("tandem.http-port", "serve /health/live, /health/ready and /metrics over HTTP on this port (0: any"
                + " free port; default off)") {
            void apply(Builder b, String v) {
                b.httpPort((int) parseLong(key, v));
            }
        },
        HTTP_HOST("tandem.http-host", "the address the HTTP endpoint listens on (default: bind's host)") {
            void apply(Builder b, String v) {
                b.httpHost(v);
            }
        };

        final String key;
        private final String description;

        Setting(String key, String description) {
            this.key = key;
            this.description = description;
        }

        static Setting byKey(String key) {
            for (Setting s : values()) {
                if (s.key.equals(key)) {
                    return s;
                }
            }
            return null;
        }

        static Setting byEnv(String name) {
            for (Setting s : values()) {
                if (s.envName().equals(name)) {
                    return s;
                }
            }
            return null;
        }

        /** The setting whose key (or environment name) is closest to {@code name} (edit distance, case and separators ignored). */
        static Setting nearest(String name) {
            String n = normalize(name);
            Setting best = values()[0];
            int bestDistance = Integer.MAX_VALUE;
            for (Setting s : values()) {
                int d = editDistance(n, normalize(s.key));
                if (d < bestDistance) {
                    best = s;
                    bestDistance = d;
                }
            }
            return best;
        }

        private static String normalize(String name) {
            return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
        }

        private static int editDistance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }

        /** One line for --help and the docs. */
        public String description() {
            return description;
        }

        /** Whether the setting is a flag that may stand alone ({@code --in-memory}). */
        public boolean isBoolean() {
            return this == IN_MEMORY;
        }

        static boolean parseBoolean(String key, String v) {
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
            }
            throw new InvalidArgumentException(key + " must be true or false, got '" + v + "'");
        }

        public String key() {
            return key;
        }

        /** {@code tandem.node-id} becomes {@code TANDEM_NODE_ID}. */
        public String envName() {
            return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }

        abstract void apply(Builder b, String value);

        static long parseLong(String key, String v) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException(key + " must be a whole number, got '" + v + "'");
            }
        }
    }

    /** Builder with documented defaults. */
    public static final class Builder {
        private String nodeId;
        private Endpoint bind = new Endpoint("127.0.0.1", 7400);
        private String advertiseText;
        private final List<String> seedTexts = new ArrayList<>();
        private Path dataDir;
        private boolean inMemory;
        private String clusterName = "tandem";
        private byte[] clusterSecret;
        private Duration tick = Duration.ofMillis(50);
        private int electionTimeoutTicks = 10;
        private int heartbeatTicks = 1;
        private Duration sessionTimeout = Duration.ofSeconds(5);
        private Duration sessionSafetyMargin;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int voterCount = 3;
        private Duration autopilotDeadServerAfter = Duration.ofSeconds(30);
        private Duration autopilotStabilization = Duration.ofSeconds(5);
        private int minVoters;
        private long snapshotEveryEntries = 10_000;
        private int maxKeyBytes = 1024;
        private int maxValueBytes = 1 << 20;
        private int watchHistoryEvents = 100_000;
        private TlsConfig tls;
        private TlsConfig.Builder tlsParts;
        private Integer httpPort;
        private String httpHost;
        private final List<String> ntpServers = new ArrayList<>();
        private Duration ntpRefresh = Duration.ofSeconds(64);
        private Duration maxClockOffset = Duration.ofMillis(500);

        private Builder() {
        }

        /** Required: unique per node, 1–64 of [A-Za-z0-9._-], starting with a letter or digit. */
        public Builder nodeId(String v) {
            nodeId = v;
            return this;
        }

        /**
         * Where to listen, host:port. Default 127.0.0.1:7400. Port 0 takes any free port (tests): the
         * node then advertises the port it got ({@link Tandem#address()}), unless {@link #advertise}
         * names another one; with no seeds it founds a cluster of its own, with seeds it joins them.
         */
        public Builder bind(String hostPort) {
            bind = parseEndpoint("bind", hostPort);
            return this;
        }

        /**
         * The address other nodes reach this one at; defaults to bind unless bind is a wildcard. Port 0
         * means the port this node binds (useful with a wildcard bind to port 0).
         */
        public Builder advertise(String hostPort) {
            advertiseText = hostPort;
            return this;
        }

        /**
         * The founders' advertised addresses, identical on every founder. A node whose advertise
         * address is in the list is a founder; others join through them. Default: just this node.
         */
        public Builder seeds(String... hostPorts) {
            seedTexts.clear();
            for (String s : hostPorts) {
                if (s != null && !s.isBlank()) {
                    seedTexts.add(s.trim());
                }
            }
            return this;
        }

        public Builder seeds(List<String> hostPorts) {
            return seeds(hostPorts.toArray(new String[0]));
        }

        /** Where the log, term/vote and snapshots live. Exactly one of dataDir and inMemory. */
        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        /** Keep everything in memory: a restart comes back empty (tests, disk-less members). */
        public Builder inMemory() {
            inMemory = true;
            return this;
        }

        public Builder clusterName(String v) {
            clusterName = v;
            return this;
        }

        /** Required: at least 16 bytes, the same on every node; proves membership in the handshake. */
        public Builder clusterSecret(byte[] v) {
            clusterSecret = v == null ? null : v.clone();
            return this;
        }

        public Builder clusterSecret(String v) {
            return clusterSecret(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
        }

        /** Length of one Raft tick. Default 50 ms. */
        public Builder tick(Duration v) {
            tick = v;
            return this;
        }

        /** Default 10 ticks (500–1000 ms with the default tick). */
        public Builder electionTimeoutTicks(int v) {
            electionTimeoutTicks = v;
            return this;
        }

        public Builder heartbeatTicks(int v) {
            heartbeatTicks = v;
            return this;
        }

        /** A node unheard of for this long loses its session, locks and leaderships. Default 5 s, minimum 1 s. */
        public Builder sessionTimeout(Duration v) {
            sessionTimeout = v;
            return this;
        }

        /**
         * This node treats its locks and leaderships as lost when it has not renewed its session
         * for (session timeout − this margin), before the cluster can hand them to anyone else.
         * Must exceed the worst clock offset between nodes. Default: a quarter of the session timeout.
         */
        public Builder sessionSafetyMargin(Duration v) {
            sessionSafetyMargin = v;
            return this;
        }

        /** Calls fail with {@link TandemTimeoutException} after this long. Default 10 s. */
        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        /** Autopilot replaces a voter (and drops a learner) not heard from for this long. Default 30 s. */
        public Builder autopilotDeadServerAfter(Duration v) {
            autopilotDeadServerAfter = v;
            return this;
        }

        /** A learner must be caught up this long before autopilot promotes it. Default 5 s. */
        public Builder autopilotStabilization(Duration v) {
            autopilotStabilization = v;
            return this;
        }

        /** Autopilot never removes a voter if fewer would remain. Default min(3, voterCount). */
        public Builder minVoters(int v) {
            minVoters = v;
            return this;
        }

        /**
         * Target number of voters (1-9; 3 or 5 is typical): the leader promotes caught-up learners
         * until there are this many, and further nodes stay learners. Cluster-wide. Default 3.
         */
        public Builder voterCount(int v) {
            voterCount = v;
            return this;
        }

        public Builder snapshotEveryEntries(long v) {
            snapshotEveryEntries = v;
            return this;
        }

        public Builder maxKeyBytes(int v) {
            maxKeyBytes = v;
            return this;
        }

        public Builder maxValueBytes(int v) {
            maxValueBytes = v;
            return this;
        }

        public Builder watchHistoryEvents(int v) {
            watchHistoryEvents = v;
            return this;
        }

        public Builder tls(TlsConfig v) {
            tls = v;
            return this;
        }

        /** TLS assembled from single settings (tandem.tls-*); {@link #tls(TlsConfig)} wins. */
        TlsConfig.Builder tlsParts() {
            if (tlsParts == null) {
                tlsParts = TlsConfig.builder();
            }
            return tlsParts;
        }

        /**
         * Turns on the HTTP endpoint on {@code port} (0: any free port, see {@code Tandem.httpPort()}):
         * {@code GET /health/live}, {@code /health/ready} (200 or 503, reasons in the body) and
         * {@code /metrics} (Prometheus text; needs micrometer-registry-prometheus on the class path).
         * Default off.
         */
        public Builder httpPort(int port) {
            httpPort = port;
            return this;
        }

        /** The address the HTTP endpoint listens on. Default: the host of {@link #bind(String)}. */
        public Builder httpHost(String host) {
            httpHost = host;
            return this;
        }

        /** NTP servers, host or host:port (default port 123). Default none: offset 0. */
        public Builder ntpServers(String... servers) {
            ntpServers.clear();
            for (String s : servers) {
                if (s != null && !s.isBlank()) {
                    ntpServers.add(s.trim());
                }
            }
            return this;
        }

        /** Between two NTP rounds when servers answer (back-off from 1 s while they do not). Default 64 s. */
        public Builder ntpRefresh(Duration v) {
            ntpRefresh = v;
            return this;
        }

        /**
         * The largest clock offset between nodes the cluster tolerates: a remote HLC timestamp
         * further ahead is refused, counted and reported as skew. Default 500 ms.
         */
        public Builder maxClockOffset(Duration v) {
            maxClockOffset = v;
            return this;
        }

        /** Builds the configuration and starts the node; see {@link Tandem#start(TandemConfig)}. */
        public Tandem start() {
            return Tandem.start(build());
        }

        /** Validates and builds, or throws {@link InvalidArgumentException} saying what to fix. */
        public TandemConfig build() {
            if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
                throw new InvalidArgumentException("nodeId " + (nodeId == null ? "is missing" : "'" + nodeId + "' is invalid")
                        + ": use 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit"
                        + " (e.g. orders-1), unique in the cluster");
            }
            require(!inMemory || nodeId.length() <= 56, "nodeId '" + nodeId + "' is too long for a disk-less node: each"
                    + " start appends an incarnation (.xxxxxx), and ids are at most 64 characters; use at most 56");
            require(dataDir != null ^ inMemory, dataDir != null
                    ? "set either dataDir or inMemory(), not both"
                    : "set dataDir(path) for a durable node, or inMemory() for a node that keeps nothing across restarts");
            require(clusterName != null && !clusterName.isBlank(), "clusterName must be a non-empty string");
            require(clusterSecret != null && clusterSecret.length >= 16, "clusterSecret must be set to at least 16"
                    + " bytes, the same on every node (e.g. 32 random bytes from a secret store)");
            require(!tick.isNegative() && tick.toMillis() >= 1, "tick (" + tick + ") must be at least 1 ms");
            require(heartbeatTicks >= 1 && heartbeatTicks < electionTimeoutTicks, "heartbeatTicks (" + heartbeatTicks
                    + ") must be >= 1 and < electionTimeoutTicks (" + electionTimeoutTicks + ")");
            long electionMs = tick.toMillis() * electionTimeoutTicks;
            require(sessionTimeout.toMillis() >= 1000, "sessionTimeout (" + sessionTimeout.toMillis()
                    + " ms) must be at least 1000 ms");
            require(sessionTimeout.toMillis() >= 2 * electionMs, "sessionTimeout (" + sessionTimeout.toMillis()
                    + " ms) must be at least twice the election timeout (" + electionMs + " ms), or every leader"
                    + " change would expire sessions");
            require(sessionSafetyMargin == null || (sessionSafetyMargin.toMillis() >= 1
                    && sessionSafetyMargin.toMillis() < sessionTimeout.toMillis() / 2), "sessionSafetyMargin ("
                    + (sessionSafetyMargin == null ? 0 : sessionSafetyMargin.toMillis()) + " ms) must be at least 1 ms"
                    + " and below half the session timeout (" + sessionTimeout.toMillis() + " ms)");
            require(requestTimeout.toMillis() >= 100, "requestTimeout (" + requestTimeout.toMillis()
                    + " ms) must be at least 100 ms");
            require(voterCount >= 1 && voterCount <= 9, "voterCount (" + voterCount + ") must be between 1 and 9"
                    + " (3 or 5 is typical)");
            require(autopilotDeadServerAfter.toMillis() >= 2 * sessionTimeout.toMillis(), "autopilotDeadServerAfter ("
                    + autopilotDeadServerAfter.toMillis() + " ms) must be at least twice the session timeout ("
                    + sessionTimeout.toMillis() + " ms): a voter must not be replaced for a pause its session survives");
            require(!autopilotStabilization.isNegative(), "autopilotStabilization must be >= 0");
            require(minVoters >= 0 && minVoters <= voterCount, "minVoters (" + minVoters + ") must be between 1 and"
                    + " voterCount (" + voterCount + ")");
            require(snapshotEveryEntries >= 100, "snapshotEveryEntries (" + snapshotEveryEntries + ") must be >= 100");
            require(maxKeyBytes >= 1 && maxKeyBytes <= 64 * 1024, "maxKeyBytes (" + maxKeyBytes
                    + ") must be between 1 and 65536");
            require(maxValueBytes >= 1 && maxValueBytes <= 16 << 20, "maxValueBytes (" + maxValueBytes
                    + ") must be between 1 and 16 MiB");
            require(watchHistoryEvents >= 100, "watchHistoryEvents (" + watchHistoryEvents + ") must be >= 100");
            require(ntpRefresh.toMillis() >= 1000, "ntpRefresh (" + ntpRefresh.toMillis() + " ms) must be at least"
                    + " 1000 ms");
            require(maxClockOffset.toMillis() >= 1 && maxClockOffset.toMillis() <= 60_000, "maxClockOffset ("
                    + maxClockOffset.toMillis() + " ms) must be between 1 and 60000 ms");
            for (String server : ntpServers) {
                require(server.matches("[A-Za-z0-9._\\[\\]:-]+"), "NTP server '" + server
                        + "' is not a host or host:port");
            }
            Endpoint adv;
            if (advertiseText != null) {
                adv = parseEndpoint("advertise", advertiseText);
                if (adv.port() == 0) {
                    adv = new Endpoint(adv.host(), bind.port()); // port 0: whatever port bind gets
                }
            } else {
                require(!bind.host().equals("0.0.0.0") && !bind.host().equals("::"), "bind " + bind
                        + " is a wildcard address; set advertise(host:port) to the address other nodes can reach");
                adv = bind;
            }
            List<Endpoint> seedList = new ArrayList<>();
            for (String s : seedTexts) {
                Endpoint e = parseEndpoint("seed", s);
                require(e.port() != 0, "seed " + e + " has port 0; seeds are the founders' advertised addresses,"
                        + " so name their real ports (a node bound to port 0 joins through seeds; see"
                        + " Tandem.address())");
                require(!seedList.contains(e), "seed " + e + " is listed twice");
                seedList.add(e);
            }
            if (seedList.isEmpty()) {
                seedList.add(adv);
            }
            require(httpPort == null || (httpPort >= 0 && httpPort <= 65535), "httpPort (" + httpPort
                    + ") must be between 0 (any free port) and 65535");
            require(httpPort == null || httpPort == 0 || httpPort != bind.port(), "httpPort (" + httpPort
                    + ") must differ from the transport port of bind " + bind);
            TlsConfig tlsConfig = tls;
            if (tlsConfig == null && tlsParts != null) {
                try {
                    tlsConfig = tlsParts.build();
                } catch (IllegalArgumentException e) {
                    throw new InvalidArgumentException(e.getMessage().replace("tls.certificateChain", "tls-cert")
                            .replace("tls.privateKey", "tls-key").replace("tls.trustedCertificates", "tls-ca"));
                }
            }
            return new TandemConfig(this, adv, seedList, tlsConfig);
        }

        private static Endpoint parseEndpoint(String what, String text) {
            try {
                return Endpoint.parse(text);
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException(what + ": " + e.getMessage());
            }
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new InvalidArgumentException(message);
            }
        }
    }
}
