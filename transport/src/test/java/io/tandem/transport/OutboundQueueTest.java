package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

    private static OutboundQueue<byte[]> queue(int messages, long bytes, List<byte[]> discarded) {
        return new OutboundQueue<>(messages, bytes, f -> f.length, discarded::add);
    }

    @Test
    void refusesTheNewestWhenCountOrBytesWouldBeExceeded() {
        List<byte[]> discarded = new ArrayList<>();
        OutboundQueue<byte[]> queue = queue(3, 100, discarded);
        assertTrue(queue.offer(new byte[10]));
        assertTrue(queue.offer(new byte[80]));
        assertFalse(queue.offer(new byte[11]), "bytes bound");
        assertTrue(queue.offer(new byte[10]));
        assertFalse(queue.offer(new byte[1]), "count bound");
        assertEquals(2, discarded.size(), "refused frames are discarded (released)");
        assertEquals(3, queue.size());
        assertEquals(100, queue.bytes());
        byte[] taken = queue.take();
        assertEquals(10, taken.length);
        assertFalse(queue.offer(new byte[1]), "room is given back only on release");
        queue.release(1, taken.length);
        assertTrue(queue.offer(new byte[1]));
        assertEquals(3, queue.clear());
        assertEquals(6, discarded.size());
        assertEquals(0, queue.bytes());
        assertEquals(0, queue.size());
        assertTrue(queue.isEmpty());
    }

    @Test
    void concurrentProducersNeverStoreMoreThanTheBound() throws InterruptedException {
        OutboundQueue<byte[]> queue = queue(50, 50 * 8, new ArrayList<>());
        AtomicInteger accepted = new AtomicInteger();
        runProducers(4, 5_000, () -> {
            if (queue.offer(new byte[8])) {
                accepted.incrementAndGet();
            }
        });
        assertEquals(50, accepted.get());
        assertEquals(50, queue.clear());
        assertEquals(0, queue.size());
        assertEquals(0, queue.bytes());
    }

    @Test
    void accountingBalancesUnderConcurrentProducersAndAConsumer() throws InterruptedException {
        OutboundQueue<byte[]> queue = queue(50, 50 * 8, new ArrayList<>());
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        Thread consumer = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted() || !queue.isEmpty()) {
                byte[] frame = queue.take();
                if (frame != null) {
                    queue.release(1, frame.length);
                    taken.incrementAndGet();
                }
            }
        });
        consumer.start();
        runProducers(4, 20_000, () -> {
            if (queue.offer(new byte[8])) {
                accepted.incrementAndGet();
            }
        });
        consumer.interrupt();
        consumer.join();
        assertEquals(accepted.get(), taken.get());
        assertEquals(0, queue.size());
        assertEquals(0, queue.bytes());
    }

    private static void runProducers(int threads, int offersEach, Runnable offer) throws InterruptedException {
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < threads; p++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < offersEach; i++) {
                    offer.run();
                }
            });
            producers.add(t);
            t.start();
        }
        for (Thread t : producers) {
            t.join();
        }
    }
}
