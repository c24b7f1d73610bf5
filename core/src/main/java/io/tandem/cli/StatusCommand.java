package io.tandem.cli;

import io.tandem.node.Wire.ClientOp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem status}: one node's role, term, leader, indexes, members, clocks and health.
 * Exit code 0 when the node is ready, 3 when it answered but is not ready, 1 when it could not be
 * asked.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show a node's role, term, leader, commit/applied indexes, voters and learners, its clocks"
            + " (HLC, NTP offset, peer clock offsets) and health.",
            "Exit code 0 if the node is ready, 3 if it answered but is not ready (reasons in the output), 1 on"
                + " error."})
final class StatusCommand implements Callable<Integer> {

    static final List<String> REPEATED = List.of("not-ready-because", "warning", "autopilot");

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (Cluster c = client.connect()) {
            String text = c.call(Cluster.request(ClientOp.STATUS, "")).text();
            Map<String, Object> fields = Render.nameValueLines(text, REPEATED);
            boolean ready = "yes".equals(fields.get("ready"));
            if (client.json()) {
                fields.put("endpoint", c.current().toString());
                fields.put("ready", ready);
                fields.put("live", "yes".equals(fields.get("live")));
                Main.io(spec).out().println(Render.json(fields));
            } else {
                Main.io(spec).out().print(text);
            }
            return ready ? Main.EXIT_OK : Main.EXIT_NOT_READY;
        }
    }
}
