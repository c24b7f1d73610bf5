package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A blocking socket that speaks the wire protocol by hand, to play a well-behaved or a hostile
 * client against a real {@link NettyTransport} server.
 */
final class RawClient implements AutoCloseable {

    record Frame(int type, byte[] body) {}

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawClient connect(Endpoint to) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(to.host(), to.port()), 3000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        return new RawClient(socket);
    }

    static RawClient wrap(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        return new RawClient(socket);
    }

    Frame readFrame() throws IOException {
        int length = in.readInt();
        if (length < 1 || length > 1 << 20) {
            throw new IOException("implausible frame length " + length);
        }
        int type = in.readUnsignedByte();
        byte[] body = new byte[length - 1];
        in.readFully(body);
        return new Frame(type, body);
    }

    Handshake.Challenge readChallenge() throws IOException, HandshakeException {
        Frame frame = readFrame();
        if (frame.type() != Frames.CHALLENGE) {
            throw new IOException("expected CHALLENGE, got " + Frames.typeName(frame.type()));
        }
        return Handshake.parseChallenge(Unpooled.wrappedBuffer(frame.body()));
    }

    /** Answers {@code challenge} with a hello; returns the exact frame bytes written. */
    byte[] sendHello(Handshake.Challenge challenge, String cluster, String nodeId, byte[] secret, int version)
            throws IOException {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        new java.util.SplittableRandom(nodeId.hashCode()).nextBytes(nonce);
        byte[] proof = Handshake.clientProof(secret, version, cluster, nodeId, challenge.serverNonce(), nonce);
        byte[] frame = bytes(Handshake.hello(UnpooledByteBufAllocator.DEFAULT,
                new Handshake.Hello(version, cluster, nodeId, nonce, proof)));
        write(frame);
        return frame;
    }

    /** A complete, valid handshake as {@code nodeId} of the test cluster. */
    Frame handshake(String nodeId) throws IOException, HandshakeException {
        sendHello(readChallenge(), TestConfigs.CLUSTER, nodeId, TestConfigs.SECRET, Handshake.PROTOCOL_VERSION);
        Frame welcome = readFrame();
        if (welcome.type() != Frames.WELCOME) {
            throw new IOException("expected WELCOME, got " + Frames.typeName(welcome.type()));
        }
        return welcome;
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads until the server closes; true if it did within {@code timeout}, false if it kept the connection. */
    boolean closedByPeer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                // discard whatever the server still sends (a REJECT frame, say)
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException | EOFException e) {
            return true; // reset by peer
        }
    }

    static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] frame(int type, byte[] body) {
        ByteBuf buf = Unpooled.buffer(5 + body.length).writeInt(1 + body.length).writeByte(type).writeBytes(body);
        return bytes(buf);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
