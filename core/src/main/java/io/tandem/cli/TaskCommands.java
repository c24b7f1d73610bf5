package io.tandem.cli;

import io.tandem.node.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem task queues|list|dead|requeue|cancel|purge|schedules}: durable task queues. */
@Command(name = "task", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Durable task queues: list queues and tasks, re-queue dead letters, cancel, purge, schedules.",
        subcommands = {TaskCommands.Queues.class, TaskCommands.ListTasks.class, TaskCommands.Dead.class,
            TaskCommands.Requeue.class, TaskCommands.Cancel.class, TaskCommands.Purge.class,
            TaskCommands.Schedules.class})
final class TaskCommands implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UsageException("task needs a subcommand: queues, list, dead, requeue, cancel, purge or schedules");
    }

    static int send(CommandSpec spec, ClientOptions client, Wire.TaskRequest req) {
        try (Cluster c = client.connect()) {
            LockCommands.printText(spec, client, c.call(req).text());
            return 0;
        }
    }

    static long taskId(String text, long min) {
        long id;
        try {
            id = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException("TASK_ID must be a number, was '" + text + "'");
        }
        if (id < min) {
            throw new UsageException("TASK_ID must be >= " + min + ", was " + id);
        }
        return id;
    }

    static int limit(int limit) {
        if (limit < 1 || limit > 100_000) {
            throw new UsageException("--limit must be between 1 and 100000, got " + limit);
        }
        return limit;
    }

    @Command(name = "queues", mixinStandardHelpOptions = true,
            description = "Every queue with tasks, workers or schedules, and its counts per state.")
    static final class Queues implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (Cluster c = client.connect()) {
                String text = c.call(new Wire.TaskRequest(0, "", "queues", "", 0, 0)).text();
                List<Map<String, Object>> queues = new ArrayList<>();
                text.lines().filter(l -> !l.isBlank()).forEach(l -> queues.add(Render.pairs(l)));
                if (client.json()) {
                    Main.io(spec).out().println(Render.json(queues));
                } else {
                    List<String> header = List.of("QUEUE", "READY", "DELAYED", "CLAIMED", "DEAD", "COMPLETED",
                            "CANCELLED", "WORKERS", "SCHEDULES");
                    List<List<String>> rows = new ArrayList<>();
                    for (Map<String, Object> q : queues) {
                        rows.add(List.of(Render.token(String.valueOf(q.get("name"))), s(q, "ready"), s(q, "delayed"),
                                s(q, "claimed"), s(q, "dead"), s(q, "completed"), s(q, "cancelled"), s(q, "workers"),
                                s(q, "schedules")));
                    }
                    Main.io(spec).out().print(queues.isEmpty() ? "# no queues\n" : Render.table(header, rows));
                }
                return 0;
            }
        }

        private static String s(Map<String, Object> m, String k) {
            return String.valueOf(m.get(k));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "A queue's tasks (id, state, attempts, worker, result or last error) and its counts.")
    static final class ListTasks implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "The most tasks to print.")
        int limit;

        @Override
        public Integer call() {
            return send(spec, client, new Wire.TaskRequest(0, "", "list", queue, 0, limit(limit)));
        }
    }

    @Command(name = "schedules", mixinStandardHelpOptions = true,
            description = "A queue's schedules: next fire, policies, fires, misses, last outcome and lateness, and"
                    + " their last runs.")
    static final class Schedules implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "The last runs to print per"
                + " schedule (0-10000).")
        int runs;

        @Override
        public Integer call() {
            if (runs < 0 || runs > 10_000) {
                throw new UsageException("--runs must be between 0 and 10000, got " + runs);
            }
            return send(spec, client, new Wire.TaskRequest(0, "", "schedules", queue, 0, runs));
        }
    }

    @Command(name = "dead", mixinStandardHelpOptions = true, description = "A queue's dead-lettered tasks.")
    static final class Dead implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "The most tasks to print.")
        int limit;

        @Override
        public Integer call() {
            return send(spec, client, new Wire.TaskRequest(0, "", "dead", queue, 0, limit(limit)));
        }
    }

    @Command(name = "requeue", mixinStandardHelpOptions = true,
            description = "Move a dead-lettered task back to ready with a fresh attempt count.")
    static final class Requeue implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Parameters(index = "1", paramLabel = "TASK_ID")
        String id;

        @Override
        public Integer call() {
            return send(spec, client, new Wire.TaskRequest(0, "", "requeue", queue, taskId(id, 1), 0));
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a ready or delayed task (a claimed or finished one is left alone, and said so).")
    static final class Cancel implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Parameters(index = "1", paramLabel = "TASK_ID")
        String id;

        @Override
        public Integer call() {
            return send(spec, client, new Wire.TaskRequest(0, "", "cancel", queue, taskId(id, 1), 0));
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Delete one dead-lettered task of QUEUE, or every one when TASK_ID is left out.")
    static final class Purge implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;
        @Parameters(index = "1", paramLabel = "TASK_ID", arity = "0..1", defaultValue = "0")
        String id;

        @Override
        public Integer call() {
            return send(spec, client, new Wire.TaskRequest(0, "", "purge", queue, taskId(id, 0), 0));
        }
    }
}
