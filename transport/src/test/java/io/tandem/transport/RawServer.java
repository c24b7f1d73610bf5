package io.tandem.transport;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A blocking server socket that plays the server side of the handshake by hand. */
final class RawServer implements AutoCloseable {

    private final ServerSocket server;

    RawServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setSoTimeout(10_000);
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", server.getLocalPort());
    }

    /**
     * Accepts one connection and runs the server side of the handshake with {@code secret}; when it
     * is not the cluster's secret the welcome proof is wrong. Returns the client, positioned after
     * the welcome.
     */
    RawClient acceptAndWelcome(byte[] secret) throws IOException, HandshakeException {
        Socket socket = server.accept();
        RawClient client = RawClient.wrap(socket);
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        nonce[0] = 42;
        client.write(RawClient.bytes(Handshake.challenge(UnpooledByteBufAllocator.DEFAULT,
                new Handshake.Challenge(Handshake.PROTOCOL_VERSION, nonce))));
        RawClient.Frame helloFrame = client.readFrame();
        Handshake.Hello hello = Handshake.parseHello(Unpooled.wrappedBuffer(helloFrame.body()),
                Handshake.PROTOCOL_VERSION);
        byte[] proof = Handshake.serverProof(secret, hello.version(), hello.cluster(), "raw-server", hello.nodeId(),
                nonce, hello.clientNonce());
        client.write(RawClient.bytes(Handshake.welcome(UnpooledByteBufAllocator.DEFAULT,
                new Handshake.Welcome("raw-server", proof))));
        return client;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
