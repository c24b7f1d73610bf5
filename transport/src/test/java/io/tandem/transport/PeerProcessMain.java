package io.tandem.transport;

import io.tandem.transport.TestMessages.Ping;
import io.tandem.transport.TestMessages.Pong;

/**
 * A peer in its own JVM, for reconnect tests: listens on the port given as the first argument and
 * answers every {@code Ping(seq, "host:port")} with {@code Pong(seq)} sent to that endpoint. It
 * exits when its stdin closes, so it cannot outlive the test that started it.
 */
public final class PeerProcessMain {

    private PeerProcessMain() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        NettyTransport transport = new NettyTransport(TestConfigs.node("child")
                .bind(Endpoint.of("127.0.0.1", port)).build());
        transport.start((from, message) -> {
            if (message instanceof Ping ping) {
                transport.send(Endpoint.parse(ping.text()), new Pong(ping.seq()));
            }
        });
        System.out.println("READY " + transport.localEndpoint());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        transport.close();
    }
}
