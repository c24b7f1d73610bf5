package io.tandem.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.NotFoundException;
import io.tandem.OverloadedException;
import io.tandem.Tandem;
import io.tandem.node.Clock;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.node.Wire.ClientWatchEvent;
import io.tandem.transport.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leases of client watches, on a real one-node in-memory cluster with a hand-driven lease clock. */
@Timeout(30)
class RemoteWatchesTest {

    private static final long LEASE_MS = 1000;
    private static final Endpoint CLIENT = Endpoint.of("127.0.0.1", 1);

    private final AtomicLong nowNanos = new AtomicLong();
    private final Clock clock = new Clock() {
        @Override
        public long wallMillis() {
            return TimeUnit.NANOSECONDS.toMillis(nowNanos.get());
        }

        @Override
        public long monotonicNanos() {
            return nowNanos.get();
        }
    };
    private final List<Object> sent = new CopyOnWriteArrayList<>();
    private Tandem node;
    private RemoteWatches watches;

    @BeforeEach
    void start() throws IOException {
        node = Tandem.builder().nodeId("w1").bind("127.0.0.1:0").inMemory()
                .clusterSecret("remote-watches-test-secret-0123").start();
        watches = new RemoteWatches("w1", node.data(), (to, m) -> sent.add(m), clock, 2, LEASE_MS);
    }

    @AfterEach
    void stop() {
        watches.close();
        node.close();
    }

    @Test
    void aRenewedWatchKeepsDeliveringAndALapsedOneIsCancelledOnItsNextEvent() throws Exception {
        assertEquals("watching", watches.start(request(1, ClientOp.WATCH, 0), CLIENT).get().text());
        node.data().write("k/a", "1");
        await(() -> events().size() == 1, "the first event");
        advance(900);
        assertEquals("renewed", watches.renew(request(2, ClientOp.WATCH_RENEW, 1), CLIENT).get().text());
        advance(900); // 1800 ms since the start, 900 since the renewal
        node.data().write("k/b", "2");
        await(() -> events().size() == 2, "the second event, within the renewed lease");

        advance(LEASE_MS + 1);
        node.data().write("k/c", "3");
        await(() -> watches.size() == 0, "the lapsed watch cancelled by its next event");
        assertEquals(List.of("k/a", "k/b"), events().stream().map(e -> e.record().key()).toList(),
                "nothing is sent once the lease has run out");
        assertThrows(NotFoundException.class, () -> watches.renew(request(3, ClientOp.WATCH_RENEW, 1), CLIENT));
    }

    @Test
    void aRenewalAfterTheLeaseRanOutFailsSoTheClientStartsOver() throws Exception {
        watches.start(request(1, ClientOp.WATCH, 0), CLIENT).get();
        advance(LEASE_MS + 1);
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> watches.renew(request(2, ClientOp.WATCH_RENEW, 1), CLIENT));
        assertTrue(e.getMessage().contains("not renewed within 1000 ms"), e.getMessage());
        assertEquals(0, watches.size());
    }

    @Test
    void expireStaleDropsLapsedWatchesWithoutWaitingForAnEvent() throws Exception {
        watches.start(request(1, ClientOp.WATCH, 0), CLIENT).get();
        advance(500);
        watches.start(request(2, ClientOp.WATCH, 0), CLIENT).get();
        advance(600);
        watches.expireStale();
        assertEquals(1, watches.size(), "only the first watch has lapsed");
    }

    @Test
    void watchesAreBoundedAndCancelIsIdempotent() throws Exception {
        watches.start(request(1, ClientOp.WATCH, 0), CLIENT).get();
        watches.start(request(2, ClientOp.WATCH, 0), CLIENT).get();
        assertThrows(OverloadedException.class, () -> watches.start(request(3, ClientOp.WATCH, 0), CLIENT));
        assertEquals("cancelled", watches.cancel(request(4, ClientOp.WATCH_CANCEL, 1), CLIENT).get().text());
        assertEquals("absent", watches.cancel(request(5, ClientOp.WATCH_CANCEL, 1), CLIENT).get().text());
        ClientResponse again = watches.start(request(3, ClientOp.WATCH, 0), CLIENT).get();
        assertTrue(again.ok(), "a cancelled watch frees its slot");
    }

    private static ClientRequest request(long id, ClientOp op, long watchId) {
        return new ClientRequest(id, CLIENT.toString(), op, "k/", new byte[0], -1, 0, false, 0, 0, watchId);
    }

    private List<ClientWatchEvent> events() {
        return sent.stream().filter(ClientWatchEvent.class::isInstance).map(ClientWatchEvent.class::cast).toList();
    }

    private void advance(long ms) {
        nowNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }
}
