package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Client side of one outbound connection: answers the challenge with a hello, checks the server's
 * welcome proof, then tells its {@link Peer} the connection is ready. Messages flow only from this
 * side, so any frame the server sends after the welcome is a protocol error. Confined to the
 * channel's event loop (which is also the peer's loop).
 */
final class OutboundConnection extends ConnectionHandler {

    private enum Step { AWAIT_CHALLENGE, AWAIT_WELCOME, READY }

    private final Peer peer;
    private Step step = Step.AWAIT_CHALLENGE;
    private Handshake.Challenge challenge;
    private byte[] clientNonce;
    private String peerNodeId;

    OutboundConnection(LocalNode node, boolean tls, Peer peer) {
        super(node, tls);
        this.peer = peer;
    }

    @Override
    void onSecure(ChannelHandlerContext ctx) {
        // The server speaks first.
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, int type, ByteBuf body) {
        try {
            switch (step) {
                case AWAIT_CHALLENGE -> onChallenge(ctx, type, body);
                case AWAIT_WELCOME -> onWelcome(ctx, type, body);
                case READY -> decodeFailure(ctx, "sent a " + Frames.typeName(type)
                        + " frame on our outbound connection, which carries messages one way only");
            }
        } catch (HandshakeException e) {
            reject(ctx, e.reason(), e.getMessage());
        }
    }

    private void onChallenge(ChannelHandlerContext ctx, int type, ByteBuf body) throws HandshakeException {
        expect(type, Frames.CHALLENGE);
        challenge = Handshake.parseChallenge(body);
        clientNonce = node.newNonce();
        // Our own version, even if the server's differs: the server decides and names the mismatch.
        byte[] proof = Handshake.clientProof(node.secret(), node.protocolVersion, node.clusterName, node.nodeId,
                challenge.serverNonce(), clientNonce);
        ctx.writeAndFlush(Handshake.hello(ctx.alloc(), new Handshake.Hello(node.protocolVersion, node.clusterName,
                node.nodeId, clientNonce, proof)));
        step = Step.AWAIT_WELCOME;
    }

    private void onWelcome(ChannelHandlerContext ctx, int type, ByteBuf body) throws HandshakeException {
        if (type == Frames.REJECT) {
            RejectReason theirs = Handshake.parseReject(body);
            throw new HandshakeException(RejectReason.REJECTED_BY_PEER, "refused our hello: " + theirs
                    + hint(theirs));
        }
        expect(type, Frames.WELCOME);
        Handshake.Welcome welcome = Handshake.parseWelcome(body);
        byte[] expected = Handshake.serverProof(node.secret(), node.protocolVersion, node.clusterName,
                welcome.nodeId(), node.nodeId, challenge.serverNonce(), clientNonce);
        if (!Handshake.proofMatches(expected, welcome.proof())) {
            throw new HandshakeException(RejectReason.PEER_BAD_PROOF, "(node " + Handshake.quote(welcome.nodeId())
                    + ") failed the cluster-secret proof in its welcome (different clusterSecret, or an impostor); "
                    + "not sending to it");
        }
        TlsConfig tls = node.config.tls().orElse(null);
        String mismatch = tls == null ? null : PeerCertificates.mismatch(ctx, welcome.nodeId(), tls);
        if (mismatch != null) {
            throw new HandshakeException(RejectReason.CERTIFICATE_MISMATCH, "(node " + Handshake.quote(welcome.nodeId())
                    + ") " + mismatch + "; not sending to it");
        }
        handshakeDone();
        step = Step.READY;
        peerNodeId = welcome.nodeId();
        peer.onReady(ctx.channel(), peerNodeId);
    }

    private String hint(RejectReason theirs) {
        return switch (theirs) {
            case VERSION_MISMATCH -> " (it speaks version " + challenge.version() + ", we speak "
                    + node.protocolVersion + ")";
            case CLUSTER_MISMATCH -> " (we are in cluster " + Handshake.quote(node.clusterName) + ")";
            case BAD_PROOF -> " (check that both nodes have the same clusterSecret)";
            case CERTIFICATE_MISMATCH -> " (our certificate does not name our node id " + Handshake.quote(node.nodeId)
                    + "; see tls.allowedPeerNames)";
            default -> "";
        };
    }

    private static void expect(int type, byte expected) throws HandshakeException {
        if (type != expected) {
            throw new HandshakeException(RejectReason.UNEXPECTED_FRAME, "sent a " + Frames.typeName(type)
                    + " frame where a " + Frames.typeName(expected) + " was expected");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.scheduleDrain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    String timeoutHint() {
        return step == Step.AWAIT_CHALLENGE
                ? " (it sent no challenge: is it a TLS server while we are plaintext, or not a Tandem node?)" : "";
    }

    @Override
    boolean authenticated() {
        return step == Step.READY;
    }

    @Override
    boolean sendsReject() {
        return false;
    }

    @Override
    String describePeer(ChannelHandlerContext ctx) {
        String address = "peer " + peer.endpoint();
        return peerNodeId == null ? address : address + " (node " + Handshake.quote(peerNodeId) + ")";
    }
}
