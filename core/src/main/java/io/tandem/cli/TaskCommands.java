package io.tandem.cli;

import io.tandem.node.Wire;
import io.tandem.remote.RemoteClient;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * {@code tandem task list|dead|requeue|schedules}: a task queue of a running node through the client
 * protocol ({@link Wire.TaskRequest}). Failures are thrown and printed by {@link Main}.
 */
final class TaskCommands {

    private static final int DEFAULT_LIMIT = 1000;

    private TaskCommands() {
    }

    static int task(String[] argv, Map<String, String> env, PrintStream out) {
        if (argv.length == 0) {
            throw new UsageException("task needs a subcommand: list, dead, requeue or schedules");
        }
        String sub = argv[0];
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        return switch (sub) {
            case "list", "dead" -> {
                Args args = ClientCommands.parse(rest, Set.of("limit"), Set.of());
                String queue = args.positional(0, "QUEUE: tandem task " + sub + " QUEUE [--limit N]");
                args.requirePositionalAtMost(1);
                int limit = (int) args.longFlag("limit", DEFAULT_LIMIT, 1, 100_000);
                yield call(args, env, out, new Wire.TaskRequest(0, "", sub, queue, 0, limit));
            }
            case "schedules" -> {
                Args args = ClientCommands.parse(rest, Set.of("runs"), Set.of());
                String queue = args.positional(0, "QUEUE: tandem task schedules QUEUE [--runs N]");
                args.requirePositionalAtMost(1);
                int runs = (int) args.longFlag("runs", 5, 0, 10_000);
                yield call(args, env, out, new Wire.TaskRequest(0, "", sub, queue, 0, runs));
            }
            case "requeue" -> {
                Args args = ClientCommands.parse(rest, Set.of(), Set.of());
                String queue = args.positional(0, "QUEUE: tandem task requeue QUEUE TASK_ID");
                String id = args.positional(1, "TASK_ID: tandem task requeue QUEUE TASK_ID");
                args.requirePositionalAtMost(2);
                long taskId;
                try {
                    taskId = Long.parseLong(id);
                } catch (NumberFormatException e) {
                    throw new UsageException("TASK_ID must be a number, was '" + id + "'");
                }
                if (taskId < 1) {
                    throw new UsageException("TASK_ID must be >= 1, was " + taskId);
                }
                yield call(args, env, out, new Wire.TaskRequest(0, "", sub, queue, taskId, 0));
            }
            default -> throw new UsageException("unknown task subcommand '" + sub + "'; use list, dead, requeue or"
                    + " schedules");
        };
    }

    private static int call(Args args, Map<String, String> env, PrintStream out, Wire.TaskRequest req) {
        try (RemoteClient client = ClientCommands.connect(args, env)) {
            String text = client.call(req).text();
            out.print(text.endsWith("\n") ? text : text + "\n");
            return 0;
        }
    }
}
