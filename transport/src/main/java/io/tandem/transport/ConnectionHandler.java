package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every connection's pipeline: runs the handshake timeout, turns the TLS
 * outcome and every exception into exactly one counted, logged outcome, and closes the connection
 * on any failure. No exception travels past it. Confined to the channel's event loop.
 */
abstract class ConnectionHandler extends ChannelInboundHandlerAdapter {

    static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    final LocalNode node;
    private final boolean tls;
    private ScheduledFuture<?> handshakeTimer;
    private boolean secure;
    private boolean finished;

    ConnectionHandler(LocalNode node, boolean tls) {
        this.node = node;
        this.tls = tls;
    }

    /** Transport security is in place (TLS done, or plaintext): start the Tandem handshake. */
    abstract void onSecure(ChannelHandlerContext ctx);

    /** One frame; {@code body} starts after the type byte and is released by the caller. */
    abstract void onFrame(ChannelHandlerContext ctx, int type, ByteBuf body);

    /** Whether the Tandem handshake has succeeded on this connection. */
    abstract boolean authenticated();

    /** Servers tell the client why they refuse it; clients just close. */
    abstract boolean sendsReject();

    /** "peer 10.0.0.6:51234", with the node id once known. */
    abstract String describePeer(ChannelHandlerContext ctx);

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor().schedule(() -> onHandshakeTimeout(ctx), node.config.handshakeTimeoutMs(),
                TimeUnit.MILLISECONDS);
        if (!tls) {
            secured(ctx);
        }
        ctx.fireChannelActive();
    }

    private void secured(ChannelHandlerContext ctx) {
        secure = true;
        onSecure(ctx);
    }

    private void onHandshakeTimeout(ChannelHandlerContext ctx) {
        long ms = node.config.handshakeTimeoutMs();
        if (!secure) {
            // A plaintext peer and a TLS server wait for each other: the server for a ClientHello,
            // the client for a challenge. Name the likely cause.
            reject(ctx, RejectReason.TLS_FAILED, "did not complete the TLS handshake within " + ms
                    + " ms (is it configured for plaintext?)");
        } else {
            reject(ctx, RejectReason.HANDSHAKE_TIMEOUT, "did not complete the handshake within " + ms + " ms"
                    + timeoutHint());
        }
    }

    /** Extra words for a handshake timeout, naming the likely cause. */
    String timeoutHint() {
        return "";
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                secured(ctx);
            } else {
                reject(ctx, RejectReason.TLS_FAILED, "failed the TLS handshake: " + rootMessage(done.cause()));
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!finished) {
                onFrame(ctx, frame.readUnsignedByte(), frame);
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!finished && !authenticated() && !sendsReject() && !node.isClosing()) {
            // A client whose server hung up mid-handshake: counted, so that a caller can tell "it
            // would not talk to us" (e.g. a TLS server and a plaintext client) from "nobody there".
            finished = true;
            node.counters.rejected(RejectReason.CLOSED_DURING_HANDSHAKE);
            log.debug("[{}] {} closed the connection during the handshake", node.nodeId, describePeer(ctx));
        }
        handshakeDone();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (finished) {
            log.debug("[{}] {}: after close: {}", node.nodeId, describePeer(ctx), cause.toString());
        } else if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException) {
            decodeFailure(ctx, cause.getMessage());
        } else if (isTlsFailure(cause)) {
            handleTlsFailure(ctx, cause);
        } else if (cause instanceof IOException) {
            finished = true;
            log.debug("[{}] {}: connection failed: {}", node.nodeId, describePeer(ctx), cause.toString());
            ctx.close();
        } else {
            finished = true;
            node.counters.unexpectedError();
            log.warn("[{}] {}: unexpected error; closing connection", node.nodeId, describePeer(ctx), cause);
            ctx.close();
        }
    }

    private void handleTlsFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (authenticated()) {
            decodeFailure(ctx, "sent a bad TLS record: " + rootMessage(cause));
        } else {
            reject(ctx, RejectReason.TLS_FAILED, "failed the TLS handshake: " + rootMessage(cause));
        }
    }

    void handshakeDone() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }

    /** Refuses the connection: counted once, logged once, closed (after a REJECT frame on servers). */
    void reject(ChannelHandlerContext ctx, RejectReason reason, String detail) {
        if (finished) {
            return;
        }
        finished = true;
        handshakeDone();
        node.counters.rejected(reason);
        log.warn("[{}] {} {}; closing connection ({})", node.nodeId, describePeer(ctx), detail, reason);
        if (sendsReject() && reason.wireCode() != 0 && ctx.channel().isActive()) {
            ctx.writeAndFlush(Handshake.reject(ctx.alloc(), reason)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /** Closes the connection for a bad frame: counted once as a decode error, logged once. */
    void decodeFailure(ChannelHandlerContext ctx, String detail) {
        if (finished) {
            return;
        }
        finished = true;
        handshakeDone();
        node.counters.decodeError();
        log.warn("[{}] {} {}; closing connection", node.nodeId, describePeer(ctx), detail);
        ctx.close();
    }

    private static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof NotSslRecordException) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
