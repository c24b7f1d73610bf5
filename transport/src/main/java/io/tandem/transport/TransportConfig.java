package io.tandem.transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Immutable transport configuration; build with {@link #builder()}. {@link Builder#build()}
 * validates everything at once and throws one {@link IllegalArgumentException} listing each
 * problem with what to do about it.
 *
 * <p><b>Cluster-wide</b> (must match on every node, or connections are refused or frames fail):
 * {@code clusterName}, {@code clusterSecret}, {@code registrations}, {@code maxFrameBytes}, TLS
 * trust. <b>Node-local</b>: everything else.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><td>maxFrameBytes</td><td>8 MiB</td></tr>
 *   <tr><td>outboundQueueMessagesMax</td><td>8192 per destination</td></tr>
 *   <tr><td>outboundQueueBytesMax</td><td>64 MiB per destination</td></tr>
 *   <tr><td>writeBatchMessagesMax</td><td>256 frames per flush</td></tr>
 *   <tr><td>writeBufferHighWaterMarkBytes</td><td>1 MiB per connection (low mark: half)</td></tr>
 *   <tr><td>connectTimeoutMs / handshakeTimeoutMs</td><td>3000 / 5000</td></tr>
 *   <tr><td>reconnectBackoffInitialMs / reconnectBackoffMaxMs</td><td>50 / 5000</td></tr>
 *   <tr><td>ioThreads</td><td>min(4, available processors)</td></tr>
 *   <tr><td>preferNativeTransport</td><td>true (epoll on Linux, NIO elsewhere)</td></tr>
 * </table>
 */
public final class TransportConfig {

    static final int SECRET_BYTES_MIN = 16;
    static final int FRAME_BYTES_MIN = 4096;
    static final int FRAME_BYTES_MAX = 1 << 30;

    private final String clusterName;
    private final String nodeId;
    private final Endpoint bind;
    private final byte[] clusterSecret;
    private final Registrations registrations;
    private final int maxFrameBytes;
    private final int outboundQueueMessagesMax;
    private final long outboundQueueBytesMax;
    private final int writeBatchMessagesMax;
    private final int writeBufferHighWaterMarkBytes;
    private final int connectTimeoutMs;
    private final int handshakeTimeoutMs;
    private final long reconnectBackoffInitialMs;
    private final long reconnectBackoffMaxMs;
    private final int ioThreads;
    private final boolean preferNativeTransport;
    private final TlsConfig tls;
    private final RandomGenerator jitterRandom;
    private final int protocolVersion;

    private TransportConfig(Builder b) {
        clusterName = b.clusterName;
        nodeId = b.nodeId;
        bind = b.bind;
        clusterSecret = b.clusterSecret.clone();
        registrations = b.registrations;
        maxFrameBytes = b.maxFrameBytes;
        outboundQueueMessagesMax = b.outboundQueueMessagesMax;
        outboundQueueBytesMax = b.outboundQueueBytesMax;
        writeBatchMessagesMax = b.writeBatchMessagesMax;
        writeBufferHighWaterMarkBytes = b.writeBufferHighWaterMarkBytes;
        connectTimeoutMs = b.connectTimeoutMs;
        handshakeTimeoutMs = b.handshakeTimeoutMs;
        reconnectBackoffInitialMs = b.reconnectBackoffInitialMs;
        reconnectBackoffMaxMs = b.reconnectBackoffMaxMs;
        ioThreads = b.ioThreads;
        preferNativeTransport = b.preferNativeTransport;
        tls = b.tls;
        jitterRandom = b.jitterRandom != null ? b.jitterRandom : new SplittableRandom();
        protocolVersion = b.protocolVersion;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every value of this config, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder().clusterName(clusterName).nodeId(nodeId).bind(bind).clusterSecret(clusterSecret)
                .registrations(registrations).maxFrameBytes(maxFrameBytes)
                .outboundQueueMessagesMax(outboundQueueMessagesMax).outboundQueueBytesMax(outboundQueueBytesMax)
                .writeBatchMessagesMax(writeBatchMessagesMax)
                .writeBufferHighWaterMarkBytes(writeBufferHighWaterMarkBytes).connectTimeoutMs(connectTimeoutMs)
                .handshakeTimeoutMs(handshakeTimeoutMs)
                .reconnectBackoffMs(reconnectBackoffInitialMs, reconnectBackoffMaxMs).ioThreads(ioThreads)
                .preferNativeTransport(preferNativeTransport).tls(tls).jitterRandom(jitterRandom);
        return b.protocolVersion(protocolVersion);
    }

    public String clusterName() {
        return clusterName;
    }

    public String nodeId() {
        return nodeId;
    }

    public Endpoint bind() {
        return bind;
    }

    /** The shared secret; package-private so it does not leak through the public API. */
    byte[] clusterSecret() {
        return clusterSecret.clone();
    }

    public Registrations registrations() {
        return registrations;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public int outboundQueueMessagesMax() {
        return outboundQueueMessagesMax;
    }

    public long outboundQueueBytesMax() {
        return outboundQueueBytesMax;
    }

    public int writeBatchMessagesMax() {
        return writeBatchMessagesMax;
    }

    public int writeBufferHighWaterMarkBytes() {
        return writeBufferHighWaterMarkBytes;
    }

    public int connectTimeoutMs() {
        return connectTimeoutMs;
    }

    public int handshakeTimeoutMs() {
        return handshakeTimeoutMs;
    }

    public long reconnectBackoffInitialMs() {
        return reconnectBackoffInitialMs;
    }

    public long reconnectBackoffMaxMs() {
        return reconnectBackoffMaxMs;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public boolean preferNativeTransport() {
        return preferNativeTransport;
    }

    public Optional<TlsConfig> tls() {
        return Optional.ofNullable(tls);
    }

    RandomGenerator jitterRandom() {
        return jitterRandom;
    }

    int protocolVersion() {
        return protocolVersion;
    }

    @Override
    public String toString() {
        return "TransportConfig[cluster=" + clusterName + ", nodeId=" + nodeId + ", bind=" + bind
                + ", clusterSecret=(" + clusterSecret.length + " bytes, hidden), registrations=" + registrations.size()
                + ", maxFrameBytes=" + maxFrameBytes + ", outboundQueue=" + outboundQueueMessagesMax + " msgs/"
                + outboundQueueBytesMax + " B, tls=" + (tls != null) + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private String clusterName;
        private String nodeId;
        private Endpoint bind;
        private byte[] clusterSecret;
        private Registrations registrations = Registrations.empty();
        private int maxFrameBytes = 8 * 1024 * 1024;
        private int outboundQueueMessagesMax = 8192;
        private long outboundQueueBytesMax = 64L * 1024 * 1024;
        private int writeBatchMessagesMax = 256;
        private int writeBufferHighWaterMarkBytes = 1024 * 1024;
        private int connectTimeoutMs = 3000;
        private int handshakeTimeoutMs = 5000;
        private long reconnectBackoffInitialMs = 50;
        private long reconnectBackoffMaxMs = 5000;
        private int ioThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private boolean preferNativeTransport = true;
        private TlsConfig tls;
        private RandomGenerator jitterRandom;
        private int protocolVersion = Handshake.PROTOCOL_VERSION;

        private Builder() {}

        /** Cluster name, 1..255 UTF-8 bytes; peers presenting another name are refused. */
        public Builder clusterName(String clusterName) {
            this.clusterName = clusterName;
            return this;
        }

        /** This node's id, 1..255 UTF-8 bytes; receivers see it as {@code fromNodeId}. */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** Where to listen; port 0 picks a free port (see {@link Transport#localEndpoint()}). */
        public Builder bind(Endpoint bind) {
            this.bind = bind;
            return this;
        }

        /** The shared cluster secret, at least 16 bytes (32 random bytes recommended); copied. */
        public Builder clusterSecret(byte[] clusterSecret) {
            this.clusterSecret = clusterSecret == null ? null : clusterSecret.clone();
            return this;
        }

        public Builder registrations(Registrations registrations) {
            this.registrations = registrations;
            return this;
        }

        /** Largest frame (type byte + payload) sent or accepted; larger inbound frames close the connection. */
        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /** Messages queued per destination before new ones are dropped (drop newest). */
        public Builder outboundQueueMessagesMax(int outboundQueueMessagesMax) {
            this.outboundQueueMessagesMax = outboundQueueMessagesMax;
            return this;
        }

        /** Encoded bytes queued per destination before new messages are dropped (drop newest). */
        public Builder outboundQueueBytesMax(long outboundQueueBytesMax) {
            this.outboundQueueBytesMax = outboundQueueBytesMax;
            return this;
        }

        /** Frames written per flush; larger batches mean fewer syscalls and more latency for other peers. */
        public Builder writeBatchMessagesMax(int writeBatchMessagesMax) {
            this.writeBatchMessagesMax = writeBatchMessagesMax;
            return this;
        }

        /** Bytes a connection may hold unsent in Netty before it stops taking from its queue. */
        public Builder writeBufferHighWaterMarkBytes(int writeBufferHighWaterMarkBytes) {
            this.writeBufferHighWaterMarkBytes = writeBufferHighWaterMarkBytes;
            return this;
        }

        public Builder connectTimeoutMs(int connectTimeoutMs) {
            this.connectTimeoutMs = connectTimeoutMs;
            return this;
        }

        /** Time from TCP accept/connect to a completed handshake (TLS included). */
        public Builder handshakeTimeoutMs(int handshakeTimeoutMs) {
            this.handshakeTimeoutMs = handshakeTimeoutMs;
            return this;
        }

        /** Reconnect delays: {@code initial * 2^(failures-1)}, capped at {@code max}, with jitter. */
        public Builder reconnectBackoffMs(long initialMs, long maxMs) {
            this.reconnectBackoffInitialMs = initialMs;
            this.reconnectBackoffMaxMs = maxMs;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Use epoll when available (Linux); NIO otherwise or when false. */
        public Builder preferNativeTransport(boolean preferNativeTransport) {
            this.preferNativeTransport = preferNativeTransport;
            return this;
        }

        /** TLS for all connections, or null for plaintext. */
        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** Source of reconnect jitter; pass a seeded generator for reproducible delays. Not shared elsewhere. */
        public Builder jitterRandom(RandomGenerator jitterRandom) {
            this.jitterRandom = jitterRandom;
            return this;
        }

        /** Tests only: pretend to speak another protocol version. */
        Builder protocolVersion(int protocolVersion) {
            this.protocolVersion = protocolVersion;
            return this;
        }

        public TransportConfig build() {
            List<String> problems = new ArrayList<>();
            checkName("clusterName", clusterName, "orders-prod", problems);
            checkName("nodeId", nodeId, "orders-1", problems);
            if (bind == null) {
                problems.add("bind is not set: call bind(Endpoint.of(\"0.0.0.0\", 7400)) (port 0 picks a free port)");
            }
            checkSecret(problems);
            if (registrations == null) {
                problems.add("registrations is null: pass Registrations.empty() or the message types");
            }
            checkLimits(problems);
            checkTimings(problems);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid transport config: " + String.join("; ", problems));
            }
            return new TransportConfig(this);
        }

        private static void checkName(String field, String value, String example, List<String> problems) {
            if (value == null || value.isEmpty()) {
                problems.add(field + " is not set: call " + field + "(\"" + example + "\")");
                return;
            }
            int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > Handshake.NAME_BYTES_MAX) {
                problems.add(field + " is " + bytes + " UTF-8 bytes; shorten it to at most " + Handshake.NAME_BYTES_MAX);
            }
            if (value.codePoints().anyMatch(Character::isISOControl)) {
                problems.add(field + " " + Handshake.quote(value) + " contains control characters; use printable text");
            }
        }

        private void checkSecret(List<String> problems) {
            if (clusterSecret == null) {
                problems.add("clusterSecret is not set: share 32 random bytes among the nodes (e.g. `openssl rand 32`)");
            } else if (clusterSecret.length < SECRET_BYTES_MIN) {
                problems.add("clusterSecret is " + clusterSecret.length + " bytes; use at least " + SECRET_BYTES_MIN
                        + " random bytes (32 recommended, e.g. `openssl rand 32`)");
            } else if (allSame(clusterSecret)) {
                problems.add("clusterSecret is " + clusterSecret.length + " copies of one byte; use random bytes");
            }
        }

        private static boolean allSame(byte[] bytes) {
            byte[] first = new byte[bytes.length];
            Arrays.fill(first, bytes[0]);
            return Arrays.equals(first, bytes);
        }

        private void checkLimits(List<String> problems) {
            if (maxFrameBytes < FRAME_BYTES_MIN || maxFrameBytes > FRAME_BYTES_MAX) {
                problems.add("maxFrameBytes (" + maxFrameBytes + ") must be within " + FRAME_BYTES_MIN + ".."
                        + FRAME_BYTES_MAX + "; the default is 8388608 (8 MiB)");
            }
            if (outboundQueueMessagesMax < 1 || outboundQueueMessagesMax > OutboundQueue.MESSAGES_LIMIT) {
                problems.add("outboundQueueMessagesMax (" + outboundQueueMessagesMax + ") must be within 1.."
                        + OutboundQueue.MESSAGES_LIMIT);
            }
            if (outboundQueueBytesMax > 1L << 40) {
                problems.add("outboundQueueBytesMax (" + outboundQueueBytesMax + ") must be below 2^40");
            }
            if (outboundQueueBytesMax < (long) maxFrameBytes + Frames.LENGTH_BYTES) {
                problems.add("outboundQueueBytesMax (" + outboundQueueBytesMax + ") must be >= maxFrameBytes + 4 ("
                        + ((long) maxFrameBytes + Frames.LENGTH_BYTES) + ") so the largest message fits; raise it or "
                        + "lower maxFrameBytes");
            }
            if (writeBatchMessagesMax < 1) {
                problems.add("writeBatchMessagesMax (" + writeBatchMessagesMax + ") must be >= 1");
            }
            if (writeBufferHighWaterMarkBytes < 2) {
                problems.add("writeBufferHighWaterMarkBytes (" + writeBufferHighWaterMarkBytes + ") must be >= 2");
            }
            if (ioThreads < 1) {
                problems.add("ioThreads (" + ioThreads + ") must be >= 1");
            }
        }

        private void checkTimings(List<String> problems) {
            if (connectTimeoutMs < 1) {
                problems.add("connectTimeoutMs (" + connectTimeoutMs + ") must be >= 1");
            }
            if (handshakeTimeoutMs < 1) {
                problems.add("handshakeTimeoutMs (" + handshakeTimeoutMs + ") must be >= 1");
            }
            if (reconnectBackoffInitialMs < 1) {
                problems.add("reconnectBackoffInitialMs (" + reconnectBackoffInitialMs + ") must be >= 1");
            }
            if (reconnectBackoffMaxMs < reconnectBackoffInitialMs) {
                problems.add("reconnectBackoffMaxMs (" + reconnectBackoffMaxMs + ") must be >= reconnectBackoffInitialMs ("
                        + reconnectBackoffInitialMs + ")");
            }
        }
    }
}
