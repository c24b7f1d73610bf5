package io.tandem.node;

import java.util.PriorityQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A {@link NodeLoop} on virtual time, for tests: tasks run one at a time on one thread, and
 * timers run only when the test moves the {@link Clock} forward with {@link #advance} (due
 * timers run after every task too, as on a real loop). So a component that took its timers or
 * its time anywhere else than from the node would not notice the time a test moves forward.
 */
public final class VirtualTimeLoop implements NodeLoop, Clock {

    /** Virtual time starts at this wall time. */
    static final long EPOCH_MS = 1_700_000_000_000L;

    private record Due(long atNanos, long seq, Runnable task, boolean[] cancelled) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            return atNanos != o.atNanos ? Long.compare(atNanos, o.atNanos) : Long.compare(seq, o.seq);
        }
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "virtual-loop");
        t.setDaemon(true);
        return t;
    });
    private volatile Thread loopThread;
    private volatile long nowNanos;
    private volatile boolean stopped;
    private final PriorityQueue<Due> timers = new PriorityQueue<>();
    private long seq;
    private Runnable endOfTurn = () -> { };
    private Consumer<Throwable> onFatal = t -> { };

    public VirtualTimeLoop() {
        thread.execute(() -> loopThread = Thread.currentThread());
    }

    @Override
    public long wallMillis() {
        return EPOCH_MS + nowNanos / 1_000_000;
    }

    @Override
    public long monotonicNanos() {
        return nowNanos;
    }

    @Override
    public void start(Runnable endOfTurn, Consumer<Throwable> onFatal) {
        this.endOfTurn = endOfTurn;
        this.onFatal = onFatal;
    }

    @Override
    public boolean offer(Runnable task) {
        put(task);
        return !stopped;
    }

    @Override
    public void put(Runnable task) {
        if (!stopped) {
            thread.execute(() -> {
                run(task);
                runDue();
            });
        }
    }

    private void run(Runnable task) {
        if (stopped) {
            return;
        }
        try {
            task.run();
            endOfTurn.run();
        } catch (Throwable t) {
            stopped = true;
            onFatal.accept(t);
        }
    }

    private void runDue() {
        Due d;
        while ((d = timers.peek()) != null && d.atNanos <= nowNanos) {
            timers.poll();
            if (!d.cancelled[0]) {
                run(d.task);
            }
        }
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        if (!inLoop()) {
            throw new IllegalStateException("schedule called off the loop");
        }
        boolean[] cancelled = new boolean[1];
        timers.add(new Due(nowNanos + Math.max(0, delayNanos), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /**
     * Moves virtual time forward by {@code nanos} in steps of at most {@code stepNanos}, running
     * every timer that falls due (at its own time) and letting the loop's other work run between
     * steps. Returns when the loop has done so.
     */
    public void advance(long nanos, long stepNanos) throws InterruptedException, ExecutionException, TimeoutException {
        long end = nowNanos + nanos;
        while (nowNanos < end) {
            long target = Math.min(end, nowNanos + stepNanos);
            thread.submit(() -> {
                Due d;
                while ((d = timers.peek()) != null && d.atNanos <= target) {
                    timers.poll();
                    nowNanos = Math.max(nowNanos, d.atNanos);
                    if (!d.cancelled[0]) {
                        run(d.task);
                    }
                }
                nowNanos = target;
            }).get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void touched() {
        // Inbound frames of the in-memory transport arrive off the loop and are put as tasks.
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == loopThread;
    }

    @Override
    public int pending() {
        return 0;
    }

    @Override
    public void stop() {
        stopped = true;
        thread.shutdown();
    }

    /** Ends the loop's thread for good (after the node closed). */
    public void shutdown() {
        stopped = true;
        thread.shutdownNow();
    }

    /** Milliseconds as nanoseconds. */
    public static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
