package io.tandem.sim;

import io.tandem.node.NodeLoop;
import java.util.function.Consumer;

/**
 * {@link NodeLoop} on virtual time: the production runtime ({@code RaftNode}) runs on it
 * unchanged. Tasks, timers and the end of turn are events of the shared {@link SimScheduler};
 * inbound messages are delivered as events owned by this loop, so the runtime handles them
 * inline exactly as it does on the transport's I/O loop in production. A paused loop (a GC pause,
 * SIGSTOP) defers everything until it resumes; a stopped one (a crash) runs nothing again.
 */
final class SimNodeLoop implements NodeLoop {

    private final SimScheduler sim;
    private final int capacity;
    private int pending;
    private boolean stopped;
    private long pausedUntilNanos;
    private boolean turnQueued;
    private Runnable endOfTurn = () -> { };
    private Consumer<Throwable> onFatal = t -> { };
    Throwable fatal;

    SimNodeLoop(SimScheduler sim, int capacity) {
        this.sim = sim;
        this.capacity = capacity;
    }

    @Override
    public void start(Runnable endOfTurn, Consumer<Throwable> onFatal) {
        this.endOfTurn = endOfTurn;
        this.onFatal = onFatal;
    }

    @Override
    public boolean offer(Runnable task) {
        if (stopped || pending >= capacity) {
            return false;
        }
        put(task);
        return true;
    }

    @Override
    public void put(Runnable task) {
        if (stopped) {
            return;
        }
        pending++;
        sim.after(0, this, () -> {
            pending--;
            run(task);
        });
    }

    /** Runs {@code task} as an event of this loop (message delivery, harness actions on the node). */
    void deliver(long delayNanos, Runnable task) {
        sim.after(delayNanos, this, () -> run(task));
    }

    private void run(Runnable task) {
        if (stopped) {
            return;
        }
        long now = sim.nowNanos();
        if (now < pausedUntilNanos) {
            sim.after(pausedUntilNanos - now, this, () -> run(task)); // order kept: same delay for all
            return;
        }
        try {
            task.run();
        } catch (Throwable t) {
            fatal(t);
            return;
        }
        touched();
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        boolean[] cancelled = new boolean[1];
        sim.after(delayNanos, this, () -> {
            if (!cancelled[0]) {
                run(task);
            }
        });
        return () -> cancelled[0] = true;
    }

    @Override
    public void touched() {
        if (!turnQueued && !stopped) {
            turnQueued = true;
            sim.after(0, this, this::endTurn);
        }
    }

    private void endTurn() {
        turnQueued = false;
        if (stopped) {
            return;
        }
        long now = sim.nowNanos();
        if (now < pausedUntilNanos) {
            turnQueued = true;
            sim.after(pausedUntilNanos - now, this, this::endTurn);
            return;
        }
        try {
            endOfTurn.run();
        } catch (Throwable t) {
            fatal(t);
        }
    }

    private void fatal(Throwable t) {
        stopped = true;
        fatal = t;
        onFatal.accept(t);
    }

    @Override
    public boolean inLoop() {
        return sim.owner() == this;
    }

    @Override
    public int pending() {
        return pending;
    }

    @Override
    public void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Nothing of this node runs for {@code nanos}: a GC pause or SIGSTOP. */
    void pause(long nanos) {
        pausedUntilNanos = Math.max(pausedUntilNanos, sim.nowNanos() + nanos);
    }
}
