package io.tandem.cli;

import io.tandem.node.Wire.ClientOp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem lock list}: locks, semaphores and read-write locks. */
@Command(name = "lock", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Locks, semaphores and read-write locks.", subcommands = LockCommands.ListLocks.class)
final class LockCommands implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UsageException("lock needs a subcommand: list");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Locks under PREFIX: holders with their fencing tokens, waiters in queue order.")
    static final class ListLocks implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "")
        String prefix;

        @Override
        public Integer call() {
            return printLines(spec, client, ClientOp.LOCKS, prefix);
        }
    }

    /** Prints a text answer as is, or with -o json as {"lines": [...]}. */
    static int printLines(CommandSpec spec, ClientOptions client, ClientOp op, String key) {
        try (Cluster c = client.connect()) {
            String text = c.call(Cluster.request(op, key)).text();
            printText(spec, client, text);
            return 0;
        }
    }

    static void printText(CommandSpec spec, ClientOptions client, String text) {
        if (client.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lines", text.lines().toList());
            Main.io(spec).out().println(Render.json(m));
        } else {
            Main.io(spec).out().print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
        }
    }
}
