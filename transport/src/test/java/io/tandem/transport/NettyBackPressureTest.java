package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.transport.TestMessages.Blob;
import io.tandem.transport.TestMessages.Ping;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A peer that completes the handshake and then never reads. The sender's memory for it stays
 * within the queue bound plus Netty's high-water mark; the excess is dropped and counted; send
 * stays fast and other destinations are unaffected; when the peer reads again, the backlog
 * drains in order.
 */
class NettyBackPressureTest {

    private static final int QUEUE_MAX = 64;
    private static final int HIGH_WATER = 256 * 1024;
    private static final int PAYLOAD = 4096;

    @Test
    void aPeerThatStopsReadingCannotGrowTheSendersMemory() throws Exception {
        KryoCodec codec = new KryoCodec(TestMessages.REGISTRATIONS, 1 << 20);
        int frameBytes = codec.encodeFrame(new Blob("b" + 99_999, new byte[PAYLOAD])).length;
        Collector healthyInbox = new Collector();
        try (RawServer stuck = new RawServer();
                NettyTransport sender = new NettyTransport(TestConfigs.node("sender").outboundQueueMessagesMax(QUEUE_MAX)
                        .writeBufferHighWaterMarkBytes(HIGH_WATER).build());
                NettyTransport healthy = new NettyTransport(TestConfigs.node("healthy").build())) {
            sender.start((f, m) -> { });
            healthy.start(healthyInbox);
            Endpoint to = stuck.endpoint();
            sender.send(to, new Blob("b0", new byte[PAYLOAD]));
            try (RawClient peer = stuck.acceptAndWelcome(TestConfigs.SECRET)) {
                int attempts = flood(sender, to);
                Peer state = sender.peer(to);
                Await.until("every message is sent, queued or dropped", () -> sender.stats().framesSent()
                        + sender.stats().drops(to) + state.queuedMessages() == attempts + 1);
                assertTrue(sender.stats().drops(to) > attempts / 2, sender.stats().toString());
                assertTrue(state.queuedMessages() <= QUEUE_MAX, "queued " + state.queuedMessages());
                assertTrue(state.queuedBytes() <= (long) QUEUE_MAX * frameBytes, "queued bytes " + state.queuedBytes());
                assertTrue(state.channelPendingBytes() <= HIGH_WATER + frameBytes, "Netty holds "
                        + state.channelPendingBytes());

                sender.send(healthy.localEndpoint(), new Ping(1, "other peers are unaffected"));
                healthyInbox.awaitOne(new Ping(1, "other peers are unaffected"));

                assertBacklogDrainsInOrder(peer, codec, () -> sender.send(to, new Blob("last", new byte[0])));
            }
        }
    }

    /** Sends 30,000 x 4 KiB (about 120 MiB) as fast as possible; no single send may take long. */
    private static int flood(NettyTransport sender, Endpoint to) {
        int attempts = 30_000;
        long slowest = 0;
        byte[] payload = new byte[PAYLOAD];
        for (int i = 1; i <= attempts; i++) {
            long start = System.nanoTime();
            sender.send(to, new Blob("b" + i, payload));
            slowest = Math.max(slowest, System.nanoTime() - start);
        }
        assertTrue(slowest < TimeUnit.SECONDS.toNanos(1), "slowest send took " + slowest / 1000 + " us");
        return attempts;
    }

    /**
     * The stuck peer reads again: frames arrive in send order (with gaps where drops were). "last"
     * is re-sent until it arrives, since the queue may still be full when the peer resumes.
     */
    private static void assertBacklogDrainsInOrder(RawClient peer, KryoCodec codec, Runnable sendLast)
            throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean sawLast = new AtomicBoolean();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> readUntilLast(peer, codec, seen, sawLast, failure));
        reader.start();
        Await.retrying("the peer reads the last message", 20, sendLast, () -> sawLast.get() || failure.get() != null);
        reader.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "out of order at " + i + ": " + seen.get(i - 1) + " then "
                    + seen.get(i));
        }
        assertEquals(0, seen.get(0), "the first message sent is the first received");
    }

    private static void readUntilLast(RawClient peer, KryoCodec codec, List<Integer> seen, AtomicBoolean sawLast,
            AtomicReference<Exception> failure) {
        try {
            while (true) {
                RawClient.Frame frame = peer.readFrame();
                Blob blob = (Blob) codec.decode(frame.body(), 0, frame.body().length);
                if (blob.name().equals("last")) {
                    sawLast.set(true);
                    return;
                }
                seen.add(Integer.parseInt(blob.name().substring(1)));
            }
        } catch (Exception e) {
            failure.set(e);
        }
    }
}
