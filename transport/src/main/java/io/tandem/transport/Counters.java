package io.tandem.transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link TransportStats}; updated from any thread. */
final class Counters {

    private final LongAdder framesSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder decodeErrors = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder handlerErrors = new LongAdder();
    // Exceptions no classification expected; each is logged with its stack trace. Tests assert zero.
    private final LongAdder unexpectedErrors = new LongAdder();
    private final ConcurrentHashMap<Endpoint, LongAdder> drops = new ConcurrentHashMap<>();
    // Filled once for every reason, then only read: safe to share without locking.
    private final Map<RejectReason, LongAdder> rejections = new EnumMap<>(RejectReason.class);

    Counters() {
        for (RejectReason reason : RejectReason.values()) {
            rejections.put(reason, new LongAdder());
        }
    }

    void sent(int frames, long bytes) {
        framesSent.add(frames);
        bytesSent.add(bytes);
    }

    void received(int frameBytes) {
        framesReceived.increment();
        bytesReceived.add(frameBytes);
    }

    void dropped(Endpoint peer, int count) {
        if (count > 0) {
            drops.computeIfAbsent(peer, p -> new LongAdder()).add(count);
        }
    }

    void rejected(RejectReason reason) {
        rejections.get(reason).increment();
    }

    void decodeError() {
        decodeErrors.increment();
    }

    void reconnect() {
        reconnects.increment();
    }

    void handlerError() {
        handlerErrors.increment();
    }

    void unexpectedError() {
        unexpectedErrors.increment();
    }

    long unexpectedErrors() {
        return unexpectedErrors.sum();
    }

    TransportStats snapshot() {
        Map<Endpoint, Long> dropsByPeer = new TreeMap<>();
        long dropped = 0;
        for (Map.Entry<Endpoint, LongAdder> e : drops.entrySet()) {
            long n = e.getValue().sum();
            dropsByPeer.put(e.getKey(), n);
            dropped += n;
        }
        Map<RejectReason, Long> byReason = new EnumMap<>(RejectReason.class);
        long rejected = 0;
        for (Map.Entry<RejectReason, LongAdder> e : rejections.entrySet()) {
            long n = e.getValue().sum();
            byReason.put(e.getKey(), n);
            rejected += n;
        }
        return new TransportStats(framesSent.sum(), bytesSent.sum(), framesReceived.sum(), bytesReceived.sum(),
                dropped, dropsByPeer, rejected, byReason, decodeErrors.sum(), reconnects.sum(), handlerErrors.sum());
    }
}
