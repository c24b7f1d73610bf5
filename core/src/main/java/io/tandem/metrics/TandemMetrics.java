package io.tandem.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tandem.Tandem;
import io.tandem.node.NodeMetrics;
import io.tandem.node.RaftNode;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a node's metrics to a Micrometer {@link MeterRegistry}. Micrometer is an optional
 * dependency of Tandem: this class is the only one that uses it, and nothing loads it unless the
 * application calls {@link #bind}. Every meter carries the tag {@code node}. The reference (names,
 * units, what to alert on) is in docs/operations.md.
 *
 * <pre>{@code
 * TandemMetrics metrics = TandemMetrics.bind(node, registry);   // ... metrics.close() to unbind
 * }</pre>
 */
public final class TandemMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final RaftNode runtime;
    private final List<Meter> meters = new ArrayList<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> refused =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Gauge> lagGauges = new ConcurrentHashMap<>();
    private final Tags tags;
    /** Schedule meters by kind and queue (and outcome), created on first use. */
    private final ConcurrentHashMap<String, Meter> scheduleMeters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private TandemMetrics(Tandem node, MeterRegistry registry) {
        this.registry = registry;
        this.runtime = node.runtime();
        this.tags = Tags.of("node", node.nodeId());
        gauge("tandem.raft.role", "0 follower, 1 pre-candidate, 2 candidate, 3 leader", m -> m.role());
        gauge("tandem.raft.term", "current Raft term", m -> m.term());
        gauge("tandem.raft.commit.index", "highest index known committed", m -> m.commitIndex());
        gauge("tandem.raft.applied.index", "highest index applied to the state machine", m -> m.appliedIndex());
        gauge("tandem.raft.last.index", "last index in the log", m -> m.lastIndex());
        gauge("tandem.raft.voters", "voters in the configuration", m -> m.voters());
        gauge("tandem.raft.learners", "learners in the configuration", m -> m.learners());
        gauge("tandem.sessions", "live sessions in the state machine", m -> m.sessions());
        gauge("tandem.locks.held", "grants of locks, semaphores, read-write locks and elections", m -> m.locksHeld());
        gauge("tandem.locks.waiters", "queued lock requests and election candidates", m -> m.lockWaiters());
        gauge("tandem.requests.pending", "this node's proposals waiting for their result", m -> m.pendingRequests());
        gauge("tandem.loop.inbox", "events waiting for the node's loop", m -> m.inboxDepth());
        gauge("tandem.tasks.ready", "tasks ready to run, all queues", m -> m.tasksReady());
        gauge("tandem.tasks.delayed", "tasks waiting for their delay or back-off, all queues", m -> m.tasksDelayed());
        gauge("tandem.tasks.claimed", "tasks running on some worker, all queues", m -> m.tasksClaimed());
        gauge("tandem.tasks.dead", "dead-lettered tasks, all queues", m -> m.tasksDead());
        meters.add(Gauge.builder("tandem.ntp.offset", node, n -> n.time().ntpOffsetMs()).tags(tags)
                .baseUnit("milliseconds").description("offset of the NTP-corrected clock").register(registry));
        meters.add(FunctionCounter.builder("tandem.hlc.skew.events", node, n -> n.time().status().skewEvents())
                .tags(tags).description("remote timestamps refused for being too far ahead").register(registry));
        meters.add(FunctionCounter.builder("tandem.transport.dropped", runtime,
                r -> r.transportStats().messagesDropped()).tags(tags)
                .description("messages dropped by the transport (full queues, unreachable peers)").register(registry));
        Timer proposals = Timer.builder("tandem.proposal.latency").tags(tags).publishPercentiles(0.5, 0.99)
                .description("submit to result of this node's commands").register(registry);
        Timer fsync = Timer.builder("tandem.fsync.latency").tags(tags).publishPercentiles(0.5, 0.99)
                .description("log batch made durable").register(registry);
        DistributionSummary batches = DistributionSummary.builder("tandem.proposal.batch.size").tags(tags)
                .description("commands per batch leaving this node").register(registry);
        meters.add(proposals);
        meters.add(fsync);
        meters.add(batches);
        runtime.metricsSink(new NodeMetrics.Sink() {
            @Override
            public void proposalApplied(long nanos) {
                proposals.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void fsync(long nanos) {
                fsync.record(nanos, TimeUnit.NANOSECONDS);
                if (runtime.metrics().replicationLag().size() > lagGauges.size()) {
                    trackLagGauges(); // a new peer: off the scrape path, on the log's syncer thread
                }
            }

            @Override
            public void proposalBatch(int size) {
                batches.record(size);
            }

            @Override
            public void messageRefused(String reason) {
                // Registered on first use per reason (a few fixed names).
                refused.computeIfAbsent(reason, r -> Counter.builder("tandem.messages.refused")
                        .tags(tags.and("reason", r)).description("messages and forwarded proposals refused"
                                + " (docs/security.md)").register(registry)).increment();
            }
        });
        trackLagGauges();
        runtime.addStateListener(new StateMachine.Listener() {
            @Override
            public void onScheduleFired(TaskEvents.Fired f) {
                if (!closed) {
                    scheduleDecided(f);
                }
            }
        });
    }

    /**
     * Schedule decisions, as this replica applies them: every member counts every schedule of the
     * cluster (the same figures on each node; do not sum them across nodes). Tagged by queue only,
     * so 10,000 schedules do not make 10,000 series.
     */
    private void scheduleDecided(TaskEvents.Fired f) {
        if (f.enqueued()) {
            scheduleMeters.computeIfAbsent("fires\u0000" + f.queue(), k -> track(Counter
                    .builder("tandem.schedule.fires").tags(tags.and("queue", f.queue())).description("schedule slots that enqueued a task")
                    .register(registry)));
            ((Counter) scheduleMeters.get("fires\u0000" + f.queue())).increment();
            ((DistributionSummary) scheduleMeters.computeIfAbsent("lateness\u0000" + f.queue(), k -> track(
                    DistributionSummary.builder("tandem.schedule.lateness").tags(tags.and("queue", f.queue()))
                            .baseUnit("milliseconds").publishPercentiles(0.5, 0.99)
                            .description("cluster time from a slot to the apply that fired it").register(registry))))
                    .record(Math.max(0, f.decidedAtMs() - f.fireTimeMs()));
        } else {
            ((Counter) scheduleMeters.computeIfAbsent("misses\u0000" + f.queue() + "\u0000" + f.outcome(), k -> track(
                    Counter.builder("tandem.schedule.misses").tags(tags.and("queue", f.queue(), "outcome",
                                    f.outcome().name()))
                            .description("cron slots that started no run (missed, past deadline, skipped while"
                                    + " running)")
                            .register(registry)))).increment(f.slots());
        }
    }

    private Meter track(Meter meter) {
        synchronized (meters) {
            meters.add(meter);
        }
        return meter;
    }

    /** Registers the node's meters; {@link #close()} removes them again. */
    public static TandemMetrics bind(Tandem node, MeterRegistry registry) {
        return new TandemMetrics(node, registry);
    }

    private void gauge(String name, String description, ToDoubleFunction<NodeMetrics> f) {
        meters.add(Gauge.builder(name, runtime, r -> f.applyAsDouble(r.metrics())).tags(tags).description(description)
                .register(registry));
    }

    /** Replication lag: one gauge per peer the leader has reported so far. */
    private synchronized void trackLagGauges() {
        for (String peer : runtime.metrics().replicationLag().keySet()) {
            lagGauges.computeIfAbsent(peer, p -> Gauge.builder("tandem.raft.replication.lag", runtime,
                    r -> r.metrics().replicationLag().getOrDefault(p, 0L)).tags(tags.and("peer", p)).baseUnit("entries")
                    .description("entries the peer is behind the leader (reported by the leader)").register(registry));
        }
    }

    @Override
    public void close() {
        closed = true;
        runtime.metricsSink(new NodeMetrics.Sink() { });
        synchronized (meters) {
            for (Meter m : meters) {
                registry.remove(m);
            }
        }
        for (Counter c : refused.values()) {
            registry.remove(c);
        }
        for (Gauge g : lagGauges.values()) {
            registry.remove(g);
        }
    }
}
