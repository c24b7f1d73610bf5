package io.tandem.remote;

import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.OverloadedException;
import io.tandem.node.Wire;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.task.QueueStats;
import io.tandem.task.ScheduleStatus;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskState;
import io.tandem.task.TaskStatus;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of {@code tandem task ...}: answers {@link Wire.TaskRequest}s from this node's
 * {@link TaskQueue}s (linearizable reads, commands through the log) with one
 * {@link ClientResponse} whose text holds the result lines. Runs on the callbacks executor and
 * never blocks; at most {@code maxInFlight} requests at once. Thread-safe.
 */
public final class RemoteTasks {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteTasks.class);

    private final String nodeId;
    private final Function<String, TaskQueue> queues;
    private final Transport transport;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    private final java.util.function.Supplier<CompletableFuture<List<String>>> queueNames;

    /** @param queueNames every queue with tasks, workers or schedules (a linearizable read) */
    public RemoteTasks(String nodeId, Function<String, TaskQueue> queues,
                       java.util.function.Supplier<CompletableFuture<List<String>>> queueNames, Transport transport,
                       int maxInFlight) {
        this.nodeId = nodeId;
        this.queues = queues;
        this.queueNames = queueNames;
        this.transport = transport;
        this.maxInFlight = maxInFlight;
    }

    public void onMessage(String fromNodeId, Object message) {
        Wire.TaskRequest req = (Wire.TaskRequest) message;
        Endpoint replyTo;
        try {
            replyTo = Endpoint.parse(req.replyTo());
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warn("node {}: client {} sent task request {} with an unusable replyTo '{}'; dropped", nodeId,
                    fromNodeId, req.id(), req.replyTo());
            return;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            send(replyTo, ClientService.failure(req.id(), new OverloadedException("node " + nodeId + " is serving "
                    + maxInFlight + " task requests already; retry with back-off")));
            return;
        }
        CompletableFuture<String> answer;
        try {
            answer = dispatch(req);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((text, error) -> {
            inFlight.decrementAndGet();
            send(replyTo, error == null ? new ClientResponse(req.id(), true, "", List.of(), 0, text)
                    : ClientService.failure(req.id(), error));
        });
    }

    private CompletableFuture<String> dispatch(Wire.TaskRequest req) {
        if ("queues".equals(req.op())) {
            return queueNames.get().thenCompose(this::queuesText);
        }
        if (req.queue() == null || req.queue().isEmpty()) {
            throw new InvalidArgumentException("a task request needs a queue name");
        }
        TaskQueue q = queues.apply(req.queue());
        return switch (req.op() == null ? "" : req.op()) {
            case "list" -> existing(q).thenCompose(x -> listing(q, null, req.limit()));
            case "dead" -> existing(q).thenCompose(x -> listing(q, TaskState.DEAD, req.limit()));
            case "requeue" -> q.requeueAsync(req.taskId()).thenApply(v -> "requeued task " + req.taskId() + " of queue "
                    + q.name() + "; it is ready with a fresh attempt count");
            case "schedules" -> existing(q).thenCompose(x -> q.schedulesAsync())
                    .thenApply(list -> renderSchedules(q.name(), list, req.limit()));
            case "cancel" -> q.cancelAsync(req.taskId()).thenApply(done -> done ? "cancelled task " + req.taskId()
                    + " of queue " + q.name() : "task " + req.taskId() + " of queue " + q.name() + " was not"
                    + " cancelled: it is claimed by a worker or finished already");
            case "purge" -> existing(q).thenCompose(x -> q.purgeDeadAsync(req.taskId())).thenApply(n -> "purged " + n
                    + " dead task" + (n == 1 ? "" : "s") + " of queue " + q.name());
            default -> throw new InvalidArgumentException("unknown task operation '" + req.op()
                    + "'; use list, dead, requeue, cancel, purge, schedules or queues");
        };
    }

    private static CompletableFuture<Void> existing(TaskQueue q) {
        return q.existsAsync().thenAccept(exists -> {
            if (!exists) {
                throw new NotFoundException("queue '" + q.name() + "' has no tasks, workers or schedules");
            }
        });
    }

    private static CompletableFuture<String> listing(TaskQueue q, TaskState state, int limit) {
        return q.listAsync(state, limit).thenCombine(q.statsAsync(), (tasks, stats) -> render(tasks, stats, limit));
    }

    /** One line per queue: {@code name ready=N delayed=N claimed=N dead=N completed=N cancelled=N workers=N schedules=N}. */
    private CompletableFuture<String> queuesText(List<String> names) {
        List<CompletableFuture<QueueStats>> stats = names.stream().map(n -> queues.apply(n).statsAsync()).toList();
        return CompletableFuture.allOf(stats.toArray(new CompletableFuture[0])).thenApply(v -> {
            StringBuilder b = new StringBuilder();
            for (CompletableFuture<QueueStats> f : stats) {
                QueueStats s = f.join();
                b.append(s.queue()).append(" ready=").append(s.ready()).append(" delayed=").append(s.delayed())
                        .append(" claimed=").append(s.claimed()).append(" dead=").append(s.dead())
                        .append(" completed=").append(s.completed()).append(" cancelled=").append(s.cancelled())
                        .append(" workers=").append(s.workerSlots()).append(" schedules=").append(s.schedules())
                        .append('\n');
            }
            return b.toString();
        });
    }

    static String render(List<TaskStatus> tasks, QueueStats s, int limit) {
        StringBuilder b = new StringBuilder();
        for (TaskStatus t : tasks) {
            b.append(t.id()).append(' ').append(t.state()).append(" name=").append(t.name())
                    .append(" attempts=").append(t.attempts()).append('/').append(t.maxAttempts())
                    .append(" priority=").append(t.priority());
            if (!t.claimedBy().isEmpty()) {
                b.append(" on=").append(t.claimedBy()).append(" token=").append(t.fencingToken());
            }
            if (t.state() == TaskState.DELAYED) {
                b.append(" notBefore=").append(t.notBefore());
            }
            if (t.finishedAt() != null) {
                b.append(" finished=").append(t.finishedAt());
            }
            if (!t.idempotencyKey().isEmpty()) {
                b.append(" key=").append(t.idempotencyKey());
            }
            t.result().ifPresent(r -> b.append(" result=").append(preview(r)));
            if (!t.lastError().isEmpty() && t.state() != TaskState.COMPLETED) {
                b.append(" error=\"").append(t.lastError().replace('\n', ' ')).append('"');
            }
            b.append('\n');
        }
        b.append("# queue ").append(s.queue()).append(": ready ").append(s.ready()).append(", delayed ")
                .append(s.delayed()).append(", claimed ").append(s.claimed()).append(", dead ").append(s.dead())
                .append(", completed ").append(s.completed()).append(", cancelled ").append(s.cancelled())
                .append("; worker slots ").append(s.workerSlots()).append(", schedules ").append(s.schedules())
                .append(tasks.size() == limit ? " (limit reached; raise --limit for more)" : "").append('\n');
        return b.toString();
    }

    /**
     * One line per schedule, then its last {@code runs} decisions indented, then a summary line:
     * {@code NAME cron 'EXPR' ZONE task=T next=… misfire=… concurrency=… fires=N misses=M
     * [last=OUTCOME slot=… lateness=…ms] [suspended]} or {@code NAME every Pms task=T next=…}.
     */
    static String renderSchedules(String queue, List<ScheduleStatus> schedules, int runs) {
        StringBuilder b = new StringBuilder();
        for (ScheduleStatus s : schedules) {
            b.append(s.name());
            if (s.cron()) {
                b.append(" cron '").append(s.expression()).append("' ").append(s.zone())
                        .append(s.withSeconds() ? " (with seconds)" : "");
            } else {
                b.append(" every ").append(s.period().toMillis()).append("ms");
            }
            b.append(" task=").append(s.taskName()).append(" next=")
                    .append(s.nextFire().map(Object::toString).orElse("-"));
            if (s.cron()) {
                b.append(" misfire=").append(s.misfire()).append(" concurrency=").append(s.concurrency())
                        .append(" fires=").append(s.fires()).append(" misses=").append(s.misses());
                s.lastRun().ifPresent(r -> b.append(" last=").append(r.outcome()).append(" slot=").append(r.slot())
                        .append(" lateness=").append(r.lateness().toMillis()).append("ms"));
                if (s.suspended()) {
                    b.append(" suspended");
                }
            }
            b.append('\n');
            List<ScheduleStatus.Run> rs = s.runs();
            for (ScheduleStatus.Run r : rs.subList(Math.max(0, rs.size() - runs), rs.size())) {
                b.append("    ").append(r.slot()).append(' ').append(r.outcome());
                if (r.slots() > 1) {
                    b.append(" x").append(r.slots()).append(" from ").append(r.firstSlot());
                }
                if (r.taskId() > 0) {
                    b.append(" task=").append(r.taskId());
                }
                b.append(" decided=").append(r.decidedAt()).append(" lateness=").append(r.lateness().toMillis())
                        .append("ms\n");
            }
        }
        b.append("# queue ").append(queue).append(": ").append(schedules.size()).append(" schedules\n");
        return b.toString();
    }

    private static String preview(byte[] r) {
        String text = new String(r, StandardCharsets.UTF_8).replace('\n', ' ');
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    private void send(Endpoint to, Object message) {
        try {
            transport.send(to, message);
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: cannot send a task answer to client {}: {}", nodeId, to, e.getMessage());
            if (message instanceof ClientResponse r) {
                transport.send(to, ClientService.failure(r.id(), new InvalidArgumentException("node " + nodeId
                        + ": the answer does not fit in one transport frame; ask for fewer tasks with --limit")));
            }
        }
    }
}
