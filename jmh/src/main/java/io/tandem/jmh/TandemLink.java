package io.tandem.jmh;

import io.tandem.transport.Endpoint;
import io.tandem.transport.NettyTransport;
import io.tandem.transport.Registrations;
import io.tandem.transport.TlsConfig;
import io.tandem.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/** Two {@link NettyTransport}s: messages are records encoded by the Kryo codec. */
final class TandemLink implements Link {

    record Payload(byte[] data) {}

    record Ping(byte[] data) {}

    record Pong(byte[] data) {}

    private static final Registrations REGISTRATIONS = Registrations.builder()
            .register(100, Payload.class).register(101, Ping.class).register(102, Pong.class).build();
    private static final byte[] SECRET = "benchmark-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final NettyTransport sender;
    private final NettyTransport receiver;
    private final Endpoint to;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong pongs = new AtomicLong();

    TandemLink(TlsConfig senderTls, TlsConfig receiverTls) {
        sender = new NettyTransport(config("sender", senderTls));
        receiver = new NettyTransport(config("receiver", receiverTls));
        sender.start((from, message) -> pongs.incrementAndGet());
        Endpoint back = sender.localEndpoint();
        receiver.start((from, message) -> {
            if (message instanceof Ping ping) {
                receiver.send(back, new Pong(ping.data()));
            } else {
                received.incrementAndGet();
            }
        });
        to = receiver.localEndpoint();
    }

    private static TransportConfig config(String nodeId, TlsConfig tls) {
        return TransportConfig.builder().clusterName("bench").nodeId(nodeId).bind(Endpoint.of("127.0.0.1", 0))
                .clusterSecret(SECRET).registrations(REGISTRATIONS).ioThreads(1).tls(tls).build();
    }

    @Override
    public void send(byte[] payload) {
        sender.send(to, new Payload(payload));
    }

    @Override
    public long received() {
        return received.get();
    }

    @Override
    public void ping(byte[] payload) {
        sender.send(to, new Ping(payload));
    }

    @Override
    public long pongs() {
        return pongs.get();
    }

    @Override
    public long drops() {
        return sender.stats().messagesDropped() + receiver.stats().messagesDropped();
    }

    @Override
    public void close() {
        sender.close();
        receiver.close();
    }
}
