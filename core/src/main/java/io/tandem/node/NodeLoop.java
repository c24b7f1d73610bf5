package io.tandem.node;

import java.util.function.Consumer;

/**
 * The one thread that runs a node: every event — an inbound message, a caller's request, a
 * storage completion, a timer — runs as a task on it, one at a time, and after a burst of tasks
 * the loop runs the node's <em>end of turn</em> once (flush proposals and reads, process the
 * Raft {@code Ready}, hand completions to callers). Nothing inside the node takes a lock.
 *
 * <p>Production binds it to a Netty event loop ({@link NettyNodeLoop}): the transport's own I/O
 * loop when the transport runs on one I/O thread, so inbound frames are handled where they are
 * read, or a dedicated single-thread loop otherwise. The simulator binds it to virtual time, so a
 * whole cluster of real nodes runs in one thread, reproducibly from a seed.
 *
 * <p><b>Threads.</b> {@link #offer}, {@link #put}, {@link #inLoop} and {@link #pending} may be
 * called from any thread; {@link #schedule} and {@link #touched} only on the loop.
 */
public interface NodeLoop {

    /** A loop sharing a transport's single I/O loop (its owner, the transport, shuts it down). */
    static NodeLoop sharing(io.netty.channel.EventLoop loop, int capacity) {
        return NettyNodeLoop.sharing(loop, capacity);
    }

    /** A loop on a thread of its own, named {@code name}. */
    static NodeLoop dedicated(String name, int capacity) {
        return NettyNodeLoop.dedicated(name, capacity);
    }

    /** A scheduled task that can be cancelled before it runs. */
    interface Timer {
        void cancel();
    }

    /**
     * Starts running tasks. {@code endOfTurn} runs on the loop after every burst of tasks;
     * {@code onFatal} receives anything a task or {@code endOfTurn} throws, after which the loop
     * runs nothing more for this node.
     */
    void start(Runnable endOfTurn, Consumer<Throwable> onFatal);

    /** Queues {@code task}; false when the loop holds its capacity of tasks already or has stopped. */
    boolean offer(Runnable task);

    /** Queues {@code task} beyond the capacity: for events that must not be lost (storage completions). */
    void put(Runnable task);

    /** Runs {@code task} on the loop once {@code delayNanos} have passed on the loop's clock. Loop thread only. */
    Timer schedule(long delayNanos, Runnable task);

    /** Loop thread only: work was done outside a task of this loop (an inbound frame); end the turn after it. */
    void touched();

    /** Whether the caller runs on this loop. */
    boolean inLoop();

    /** Tasks offered and not yet run. */
    int pending();

    /**
     * Runs no more tasks for this node. Off the loop it waits (briefly) until a task in progress
     * has finished; on the loop it returns at once.
     */
    void stop();
}
