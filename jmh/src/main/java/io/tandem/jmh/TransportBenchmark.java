package io.tandem.jmh;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tandem.transport.TlsConfig;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Messages over loopback: Tandem's transport beside raw Netty with the same framing (the floor).
 * There are two floors for ping/pong: {@code raw} echoes on the connection the ping came in on;
 * {@code raw2} echoes over a second connection, as Tandem must (its connections are one-way). For
 * the one-way stream the two floors are the same thing.
 *
 * <ul>
 *   <li>{@code stream}: one-way throughput in messages per second. The sender keeps at most
 *       {@code window} messages in flight (sent but not yet received), below the transport's queue
 *       bound, so nothing is dropped and every counted operation is a delivered message.
 *   <li>{@code pingPong}: round-trip latency; the receiver echoes the payload back. Use the
 *       sample-time percentiles (p50, p99).
 * </ul>
 *
 * Both sides run one I/O thread each (epoll where available); waits yield the CPU, since the
 * benchmark machine has two cores for three busy threads. TLS runs mutual TLS 1.3 in both
 * implementations.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class TransportBenchmark {

    /** tandem; raw = Netty floor, echo on the same connection; raw2 = Netty floor, echo over a second connection. */
    @Param({"tandem", "raw", "raw2"})
    public String transport;

    @Param({"100", "65536"})
    public int payloadBytes;

    @Param({"plain", "tls"})
    public String security;

    private Link link;
    private byte[] payload;
    private long window;
    private long sent;
    private long pinged;

    @Setup(Level.Trial)
    public void setUp() throws SSLException {
        payload = new byte[payloadBytes];
        window = Math.max(8, Math.min(1024, (4L * 1024 * 1024) / payloadBytes));
        boolean tls = security.equals("tls");
        BenchCertificates certs = tls ? BenchCertificates.create() : null;
        link = transport.equals("tandem") ? tandem(certs) : raw(certs, transport.equals("raw2"));
    }

    private static Link tandem(BenchCertificates certs) {
        TlsConfig tls = certs == null ? null : TlsConfig.builder().certificateChain(certs.chain())
                .privateKey(certs.key()).trustedCertificates(certs.ca()).build();
        return new TandemLink(tls, tls);
    }

    private static Link raw(BenchCertificates certs, boolean replyOnSecondConnection) throws SSLException {
        if (certs == null) {
            return new RawNettyLink(null, null, replyOnSecondConnection);
        }
        SslContext server = SslContextBuilder.forServer(certs.chain().toFile(), certs.key().toFile())
                .trustManager(certs.ca().toFile()).clientAuth(ClientAuth.REQUIRE).protocols("TLSv1.3").build();
        SslContext client = SslContextBuilder.forClient().keyManager(certs.chain().toFile(), certs.key().toFile())
                .trustManager(certs.ca().toFile()).endpointIdentificationAlgorithm(null).protocols("TLSv1.3").build();
        return new RawNettyLink(server, client, replyOnSecondConnection);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long drops = link.drops();
        link.close();
        if (drops > 0) {
            throw new IllegalStateException(drops + " messages were dropped: the stream numbers are invalid");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void stream() {
        while (sent - link.received() >= window) {
            Thread.yield();
        }
        link.send(payload);
        sent++;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void pingPong() {
        long target = ++pinged;
        link.ping(payload);
        while (link.pongs() < target) {
            Thread.yield();
        }
    }
}
