package io.tandem.cli;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.node.NodeStatus;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem node}: runs one node until the process is stopped. Its flags are the settings of
 * {@link TandemConfig.Setting} ({@code --node-id} for {@code tandem.node-id}, ...), built from
 * that enum so the flags, the properties file and the environment never drift apart. Precedence:
 * flags, then environment ({@code TANDEM_NODE_ID}, ...), then the {@code --config} file.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Run one node from a properties file and/or flags until the process is stopped (SIGTERM"
            + " leaves gracefully).", "Each flag sets the property of the same name (--node-id sets tandem.node-id;"
            + " env TANDEM_NODE_ID); flags win over the environment, which wins over the file."})
final class NodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file (keys tandem.*).")
    Path config;

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NodeCommand());
        for (TandemConfig.Setting s : TandemConfig.Setting.values()) {
            OptionSpec.Builder o = OptionSpec.builder(flag(s)).type(String.class).paramLabel("V")
                    .description(s.description() + " (" + s.key() + ", env " + s.envName() + ")");
            if (s.isBoolean()) {
                o.arity("0..1").fallbackValue("true").paramLabel("true|false");
            }
            cl.getCommandSpec().addOption(o.build());
        }
        return cl;
    }

    static String flag(TandemConfig.Setting s) {
        return "--" + s.key().substring("tandem.".length());
    }

    @Override
    public Integer call() throws InterruptedException {
        Main.Io io = Main.io(spec);
        TandemConfig.Builder b = config != null ? TandemConfig.fromFile(config, io.env())
                : TandemConfig.fromProperties(new Properties(), io.env());
        Properties fromFlags = new Properties();
        for (TandemConfig.Setting s : TandemConfig.Setting.values()) {
            OptionSpec o = spec.findOption(flag(s));
            if (o != null && spec.commandLine().getParseResult().hasMatchedOption(o)) {
                fromFlags.setProperty(s.key(), String.valueOf((Object) o.getValue()));
            }
        }
        TandemConfig.applyTo(b, fromFlags);
        Tandem node = b.start();
        NodeStatus s = node.status();
        io.out().println("tandem node " + s.nodeId() + " running at " + node.address() + ": role " + s.role()
                + ", term " + s.term() + ", voters "
                + s.voters() + ", learners " + s.learners() + (node.httpPort() < 0 ? "" : ", HTTP endpoint on port "
                + node.httpPort() + " (/health/live, /health/ready, /metrics)"));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stop.countDown();
        }, "tandem-shutdown"));
        stop.await();
        return 0;
    }
}
