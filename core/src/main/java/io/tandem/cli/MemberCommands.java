package io.tandem.cli;

import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.Clock;
import io.tandem.node.Wire.ClientOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem member list|remove|promote}: the cluster's membership. */
@Command(name = "member", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "List the members, remove one, or promote a learner to voter.",
        subcommands = {MemberCommands.ListMembers.class, MemberCommands.Remove.class, MemberCommands.Promote.class})
final class MemberCommands implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UsageException("member needs a subcommand: list, remove or promote");
    }

    /** The members as the answering node sees them, one map per member. */
    static List<Map<String, Object>> members(Cluster c) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : c.call(Cluster.request(ClientOp.MEMBERS, "")).text().split("\n")) {
            if (!line.isBlank()) {
                out.add(Render.pairs(line));
            }
        }
        return out;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Print every member: id, role (voter or learner), address, whether it leads; asked of"
                + " the leader, also its match index and how long since the leader heard from it (else -1)."})
    static final class ListMembers implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (Cluster c = client.connect()) {
                List<Map<String, Object>> ms = members(c);
                if (client.json()) {
                    Main.io(spec).out().println(Render.json(ms));
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    for (Map<String, Object> m : ms) {
                        rows.add(List.of(String.valueOf(m.get("id")), String.valueOf(m.get("role")),
                                String.valueOf(m.get("address")), String.valueOf(m.get("leader")),
                                String.valueOf(m.get("match")), String.valueOf(m.get("silent-ms"))));
                    }
                    Main.io(spec).out().print(Render.table(List.of("ID", "ROLE", "ADDRESS", "LEADER", "MATCH",
                            "SILENT_MS"), rows));
                }
                return 0;
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove member ID (voter or learner) from the configuration and wait until the change"
                + " is visible.", "The leader cannot remove itself: run 'tandem leader transfer' first. A removed"
                + " node must not be restarted with its data directory; give it a new id and an empty directory."})
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            try (Cluster c = client.connect()) {
                c.callLeader(Cluster.request(ClientOp.MEMBER_REMOVE, id));
                awaitMembers(c, ms -> ms.stream().noneMatch(m -> id.equals(m.get("id"))), "member " + id
                        + " gone from the configuration");
                Main.io(spec).out().println("removed " + id);
                return 0;
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Promote learner ID to voter (it must be caught up with the leader's log).")
    static final class Promote implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            try (Cluster c = client.connect()) {
                c.callLeader(Cluster.request(ClientOp.MEMBER_PROMOTE, id));
                awaitMembers(c, ms -> ms.stream().anyMatch(m -> id.equals(m.get("id")) && "voter".equals(
                        m.get("role"))), id + " listed as a voter");
                Main.io(spec).out().println("promoted " + id + " to voter");
                return 0;
            }
        }
    }

    /** Polls the member list on the node that took the change until {@code done}, up to the timeout. */
    static void awaitMembers(Cluster c, Predicate<List<Map<String, Object>>> done, String what) {
        long deadline = Clock.SYSTEM.monotonicNanos() + c.timeout().toNanos();
        List<Map<String, Object>> last = List.of();
        while (Clock.SYSTEM.monotonicNanos() < deadline) {
            try {
                last = members(c);
                if (done.test(last)) {
                    return;
                }
            } catch (TandemException e) {
                // The node may be briefly without a leader after the change; ask again.
            }
            LockSupport.parkNanos(50_000_000L);
        }
        throw new TandemTimeoutException("the change was proposed but " + what + " was not seen within "
                + c.timeout().toMillis() + " ms (members now: " + last + "); check 'tandem member list' and the"
                + " leader's log");
    }
}
