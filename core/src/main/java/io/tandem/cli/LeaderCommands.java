package io.tandem.cli;

import io.tandem.node.Wire.ClientOp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem leader list|transfer}: elections of the leader primitive, and Raft leadership. */
@Command(name = "leader", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Leader elections (list) and the cluster's Raft leadership (transfer).",
        subcommands = {LeaderCommands.ListElections.class, LeaderCommands.Transfer.class})
final class LeaderCommands implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UsageException("leader needs a subcommand: list or transfer");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Elections under PREFIX: leader and term, candidates in order.")
    static final class ListElections implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "")
        String prefix;

        @Override
        public Integer call() {
            return LockCommands.printLines(spec, client, ClientOp.LEADERS, prefix);
        }
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = {"Hand the cluster's Raft leadership to voter ID (default: the most up-to-date voter the"
                + " leader hears from) and wait until it leads.", "Use before maintenance on the leader's host."})
    static final class Transfer implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "ID", arity = "0..1", defaultValue = "")
        String id;

        @Override
        public Integer call() {
            try (Cluster c = client.connect()) {
                String from = leaderOf(MemberCommands.members(c));
                String to = c.callLeader(Cluster.request(ClientOp.LEADER_TRANSFER, id)).text();
                MemberCommands.awaitMembers(c, ms -> to.equals(leaderOf(ms)), to + " leading");
                if (client.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("from", from);
                    m.put("to", to);
                    Main.io(spec).out().println(Render.json(m));
                } else {
                    Main.io(spec).out().println("leadership moved from " + from + " to " + to);
                }
                return 0;
            }
        }

        private static String leaderOf(List<Map<String, Object>> members) {
            return members.stream().filter(m -> Boolean.TRUE.equals(m.get("leader"))).map(m -> String.valueOf(
                    m.get("id"))).findFirst().orElse("none");
        }
    }
}
