package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Server side of one accepted connection: sends the challenge, checks the hello (version,
 * cluster, proof, in that order), then decodes message frames and hands them to the handler.
 * Confined to the channel's event loop.
 */
final class InboundConnection extends ConnectionHandler {

    private byte[] serverNonce;
    private String peerNodeId;

    InboundConnection(LocalNode node, boolean tls) {
        super(node, tls);
    }

    @Override
    void onSecure(ChannelHandlerContext ctx) {
        serverNonce = node.newNonce();
        ctx.writeAndFlush(Handshake.challenge(ctx.alloc(),
                new Handshake.Challenge(node.protocolVersion, serverNonce)));
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, int type, ByteBuf body) {
        if (peerNodeId != null) {
            onMessageFrame(ctx, type, body);
        } else if (serverNonce == null) {
            reject(ctx, RejectReason.UNEXPECTED_FRAME, "sent a " + Frames.typeName(type) + " frame before the challenge");
        } else if (type != Frames.HELLO) {
            reject(ctx, RejectReason.UNEXPECTED_FRAME, "sent a " + Frames.typeName(type) + " frame before its hello");
        } else {
            onHello(ctx, body);
        }
    }

    private void onHello(ChannelHandlerContext ctx, ByteBuf body) {
        try {
            Handshake.Hello hello = Handshake.parseHello(body, node.protocolVersion);
            check(ctx, hello);
            accept(ctx, hello);
        } catch (HandshakeException e) {
            reject(ctx, e.reason(), e.getMessage());
        }
    }

    private void check(ChannelHandlerContext ctx, Handshake.Hello hello) throws HandshakeException {
        String who = "(node " + Handshake.quote(hello.nodeId()) + ")";
        if (!hello.cluster().equals(node.clusterName)) {
            throw new HandshakeException(RejectReason.CLUSTER_MISMATCH, who + " presented cluster "
                    + Handshake.quote(hello.cluster()) + ", expected " + Handshake.quote(node.clusterName));
        }
        byte[] expected = Handshake.clientProof(node.secret(), hello.version(), hello.cluster(), hello.nodeId(),
                serverNonce, hello.clientNonce());
        if (!Handshake.proofMatches(expected, hello.proof())) {
            throw new HandshakeException(RejectReason.BAD_PROOF, who + " failed the cluster-secret proof "
                    + "(different clusterSecret, or a replayed hello)");
        }
        TlsConfig tls = node.config.tls().orElse(null);
        if (tls != null && tls.mutual()) {
            String mismatch = PeerCertificates.mismatch(ctx, hello.nodeId(), tls);
            if (mismatch != null) {
                throw new HandshakeException(RejectReason.CERTIFICATE_MISMATCH, who + " " + mismatch);
            }
        }
    }

    private void accept(ChannelHandlerContext ctx, Handshake.Hello hello) {
        handshakeDone();
        peerNodeId = hello.nodeId();
        byte[] proof = Handshake.serverProof(node.secret(), hello.version(), node.clusterName, node.nodeId,
                hello.nodeId(), serverNonce, hello.clientNonce());
        ctx.writeAndFlush(Handshake.welcome(ctx.alloc(), new Handshake.Welcome(node.nodeId, proof)));
        ctx.pipeline().get(FrameDecoder.class).maxFrameBytes(node.config.maxFrameBytes());
        log.debug("[{}] accepted connection from node {} at {}", node.nodeId, Handshake.quote(peerNodeId),
                ctx.channel().remoteAddress());
    }

    private void onMessageFrame(ChannelHandlerContext ctx, int type, ByteBuf body) {
        if (type != Frames.MESSAGE) {
            decodeFailure(ctx, "sent an unexpected " + Frames.typeName(type) + " frame after the handshake");
            return;
        }
        int frameBytes = Frames.HEADER_BYTES + body.readableBytes();
        Object message;
        try {
            message = node.codec.decode(body);
        } catch (DecodeException e) {
            decodeFailure(ctx, "sent an undecodable message frame of " + frameBytes + " bytes: " + e.getMessage());
            return;
        }
        node.counters.received(frameBytes);
        node.deliver(peerNodeId, message, log);
    }

    @Override
    boolean authenticated() {
        return peerNodeId != null;
    }

    @Override
    boolean sendsReject() {
        return true;
    }

    @Override
    String describePeer(ChannelHandlerContext ctx) {
        String address = "peer " + Endpoints.describe(ctx.channel().remoteAddress());
        return peerNodeId == null ? address : address + " (node " + Handshake.quote(peerNodeId) + ")";
    }
}
