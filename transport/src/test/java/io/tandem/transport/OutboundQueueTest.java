package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

    @Test
    void refusesTheNewestWhenCountOrBytesWouldBeExceeded() {
        OutboundQueue queue = new OutboundQueue(3, 100);
        assertTrue(queue.offer(new byte[10]));
        assertTrue(queue.offer(new byte[80]));
        assertFalse(queue.offer(new byte[11]), "bytes bound");
        assertTrue(queue.offer(new byte[10]));
        assertFalse(queue.offer(new byte[1]), "count bound");
        assertEquals(3, queue.size());
        assertEquals(100, queue.bytes());
        assertEquals(10, queue.poll().length);
        assertTrue(queue.offer(new byte[1]));
        assertEquals(3, queue.clear());
        assertEquals(0, queue.bytes());
        assertTrue(queue.isEmpty());
    }

    @Test
    void boundsHoldUnderConcurrentProducersAndAConsumer() throws InterruptedException {
        OutboundQueue queue = new OutboundQueue(50, 50 * 8);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (queue.offer(new byte[8])) {
                        accepted.incrementAndGet();
                    }
                    maxSeen.accumulateAndGet(queue.size(), Math::max);
                }
            });
            producers.add(t);
            t.start();
        }
        int polled = 0;
        while (producers.stream().anyMatch(Thread::isAlive) || !queue.isEmpty()) {
            if (queue.poll() != null) {
                polled++;
            }
            assertTrue(queue.bytes() <= 400 && queue.size() <= 50);
        }
        for (Thread t : producers) {
            t.join();
        }
        polled += queue.clear();
        assertEquals(accepted.get(), polled);
        assertTrue(maxSeen.get() <= 50, "max size " + maxSeen.get());
    }
}
