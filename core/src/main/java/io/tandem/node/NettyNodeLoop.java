package io.tandem.node;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeLoop} on a Netty event loop: either the transport's single I/O loop (inbound frames
 * are then handled on the thread that read them, with no hand-off) or a dedicated
 * {@link DefaultEventLoop} that this class owns. Offered tasks are counted against a capacity so
 * callers get back-pressure instead of an unbounded queue. The end of a turn is a task queued
 * behind the tasks of the burst that needed it, so one end of turn serves every task and every
 * inbound frame that ran before it.
 */
final class NettyNodeLoop implements NodeLoop {

    private static final Logger LOG = LoggerFactory.getLogger(NettyNodeLoop.class);

    private final EventLoop loop;
    private final boolean owned;
    private final int capacity;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean stopped;
    private Runnable endOfTurn = () -> { };
    private Consumer<Throwable> onFatal = t -> { };
    /** An end-of-turn task is queued (loop thread only). */
    private boolean turnQueued;
    private final Runnable endTurn = this::endTurn;

    private NettyNodeLoop(EventLoop loop, boolean owned, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("loop capacity must be at least 1, got " + capacity);
        }
        this.loop = loop;
        this.owned = owned;
        this.capacity = capacity;
    }

    /** A loop on a thread of its own, named {@code name}. */
    static NettyNodeLoop dedicated(String name, int capacity) {
        return new NettyNodeLoop(new DefaultEventLoop(new DefaultThreadFactory(name, true)), true, capacity);
    }

    /** A loop sharing {@code loop} (the transport's I/O loop), which its owner shuts down. */
    static NettyNodeLoop sharing(EventLoop loop, int capacity) {
        return new NettyNodeLoop(loop, false, capacity);
    }

    @Override
    public void start(Runnable endOfTurn, Consumer<Throwable> onFatal) {
        this.endOfTurn = endOfTurn;
        this.onFatal = onFatal;
    }

    @Override
    public boolean offer(Runnable task) {
        if (stopped || pending.incrementAndGet() > capacity) {
            if (!stopped) {
                pending.decrementAndGet();
            }
            return false;
        }
        return submit(task);
    }

    @Override
    public void put(Runnable task) {
        if (!stopped) {
            pending.incrementAndGet();
            submit(task);
        }
    }

    private boolean submit(Runnable task) {
        try {
            loop.execute(() -> {
                pending.decrementAndGet();
                run(task);
            });
            return true;
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            LOG.debug("loop is shutting down; dropped a task: {}", e.toString());
            return false;
        }
    }

    private void run(Runnable task) {
        if (stopped) {
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
        ScheduledFuture<?> f = loop.schedule(() -> run(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void touched() {
        if (!turnQueued && !stopped) {
            turnQueued = true;
            loop.execute(endTurn);
        }
    }

    private void endTurn() {
        turnQueued = false;
        if (stopped) {
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
        onFatal.accept(t);
    }

    @Override
    public boolean inLoop() {
        return loop.inEventLoop();
    }

    @Override
    public int pending() {
        return Math.max(0, pending.get());
    }

    @Override
    public void stop() {
        stopped = true;
        if (owned) {
            loop.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            if (!loop.inEventLoop()) {
                loop.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }
}
