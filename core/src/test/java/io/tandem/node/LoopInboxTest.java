package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LoopInboxTest {

    @Test
    void boundedFifoThatRefusesWhenFull() {
        LoopInbox in = new LoopInbox(2);
        Runnable a = () -> { };
        Runnable b = () -> { };
        assertTrue(in.offer(a));
        assertTrue(in.offer(b));
        assertFalse(in.offer(() -> { }), "a full inbox refuses");
        assertEquals(2, in.size());
        assertSame(a, in.poll());
        assertTrue(in.offer(() -> { }), "room again after a poll");
        assertSame(b, in.poll());
        assertEquals(1, in.size());
        assertThrows(IllegalArgumentException.class, () -> new LoopInbox(0));
    }

    @Test
    void pollWaitsForTheTimeoutWhenNothingComes() throws Exception {
        LoopInbox in = new LoopInbox(8);
        long t0 = System.nanoTime();
        assertNull(in.poll(50, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(45));
    }

    @Test
    void aSleepingConsumerIsWokenByAnOffer() throws Exception {
        LoopInbox in = new LoopInbox(8);
        AtomicReference<Runnable> got = new AtomicReference<>();
        CountDownLatch sleeping = new CountDownLatch(1);
        Thread consumer = new Thread(() -> {
            try {
                sleeping.countDown();
                got.set(in.poll(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        sleeping.await();
        awaitParked(consumer);
        Runnable r = () -> { };
        long t0 = System.nanoTime();
        assertTrue(in.offer(r));
        consumer.join(40_000);
        assertSame(r, got.get());
        // A missed wake-up would show as the 30 s poll timeout; anything well below it is a wake-up.
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "woken, not timed out");
    }

    @Test
    void anInterruptEndsTheWait() throws Exception {
        LoopInbox in = new LoopInbox(8);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread consumer = new Thread(() -> {
            try {
                in.poll(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        consumer.start();
        awaitParked(consumer);
        consumer.interrupt();
        consumer.join(30_000);
        assertTrue(interrupted.get());
    }

    /** Many producers, one consumer that keeps going to sleep: nothing lost, no wake-up missed. */
    @Test
    void manyProducersLoseNothingAndNeverStrandTheConsumer() throws Exception {
        LoopInbox in = new LoopInbox(1 << 20);
        int producers = 8;
        int each = 50_000;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    in.offer(() -> { });
                    if (i % 1000 == 0) {
                        Thread.yield(); // let the consumer run dry and sleep now and then
                    }
                }
            });
            threads.add(t);
        }
        threads.forEach(Thread::start);
        int received = 0;
        while (received < producers * each) {
            // A missed wake-up would show as this poll running out its (long) timeout.
            Runnable r = in.poll(10, TimeUnit.SECONDS);
            assertTrue(r != null, "consumer stranded after " + received + " events");
            received++;
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(in.poll());
        assertEquals(0, in.size());
    }

    /** Waits (generously) until {@code t} is parked: in the poll, since it does nothing else that blocks. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the consumer never parked: " + t.getState());
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }
}
