package io.tandem.cli;

import io.tandem.TandemException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code tandem} command line (picocli): {@code demo}, {@code node}, {@code status},
 * {@code kv}, {@code member}, {@code leader}, {@code lock}, {@code task}, {@code snapshot}. Every
 * command and subcommand answers {@code --help}; {@code tandem --version} prints the version.
 *
 * <p>Exit codes: 0 ok; 1 error (the message on stderr says what failed and what to do); 2 usage
 * (the command line is wrong); 3 {@code status}: the node answered but is not ready.
 *
 * <p>The CLI is the one place where printing to the console is the job, so it writes to
 * {@code out}/{@code err} directly; everything below it logs through SLF4J.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_NOT_READY = 3;

    private Main() {
    }

    public static void main(String[] args) {
        boolean isNode = args.length > 0 && args[0].equals("node");
        boolean isDemo = args.length > 0 && args[0].equals("demo");
        // A client command's own message says what failed; transport warnings would only repeat it.
        String level = isNode ? "info" : isDemo ? "warn" : "error";
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("tandem.logLevel", level));
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        int code = run(args, System.getenv(), System.in, System.out, System.err);
        if (code != 0 || !isNode) {
            System.exit(code);
        }
    }

    /** Runs one command with the process environment; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), System.in, out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with an explicit environment (tests). */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, InputStream.nullInputStream(), out, err);
    }

    /** ... and an explicit standard input (for {@code kv put KEY -}). */
    public static int run(String[] args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
        Io io = new Io(env, in, out, err);
        CommandLine cli = commandLine(io);
        return cli.execute(args);
    }

    static CommandLine commandLine(Io io) {
        CommandLine cli = new CommandLine(new Root(io));
        cli.addSubcommand("node", NodeCommand.commandLine());
        cli.setOut(new PrintWriter(io.out(), true));
        cli.setErr(new PrintWriter(io.err(), true));
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, commandLine, io));
        cli.setExitCodeExceptionMapper(e -> e instanceof ParameterException || e instanceof UsageException
                ? EXIT_USAGE : EXIT_ERROR);
        return cli;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        PrintWriter err = c.getErr();
        String name = c.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage() + ". Run '" + name + " --help' for usage.");
        return EXIT_USAGE;
    }

    private static int failed(Exception e, CommandLine c, Io io) {
        String name = c.getCommandSpec().qualifiedName();
        if (e instanceof UsageException) {
            io.err().println(name + ": " + e.getMessage() + ". Run '" + name + " --help' for usage.");
            return EXIT_USAGE;
        }
        if (e instanceof TandemException) {
            io.err().println(name + ": " + e.getMessage());
            return EXIT_ERROR;
        }
        io.err().println(name + ": " + e);
        return EXIT_ERROR;
    }

    /** The streams and environment of one run. */
    record Io(Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
    }

    /** The version from the jar ({@code version.properties}, filled in by Maven). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tandem " + version(), "Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("java.vendor") + ")"};
        }

        static String version() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (java.io.IOException e) {
                return "unknown (" + e + ")";
            }
            return p.getProperty("version", "unknown");
        }
    }

    @Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = {"Embedded coordination: run a node, or talk to a running cluster like etcdctl.", "",
                "Client commands reach a node through its transport port and need the cluster secret",
                "(--cluster-secret or TANDEM_CLUSTER_SECRET) and --endpoints (or TANDEM_ENDPOINTS).",
                "Reads are linearizable unless --stale.", "",
                "Exit codes: 0 ok, 1 error (message on stderr), 2 usage, 3 status: node not ready."},
            subcommands = {DemoCommand.class, StatusCommand.class, KvCommands.class, MemberCommands.class,
                LeaderCommands.class, LockCommands.class, TaskCommands.class, SnapshotCommands.class,
                CommandLine.HelpCommand.class},
            synopsisSubcommandLabel = "COMMAND")
    static final class Root implements Callable<Integer> {
        final Io io;
        @Spec
        CommandSpec spec;

        Root(Io io) {
            this.io = io;
        }

        @Override
        public Integer call() {
            spec.commandLine().usage(io.err());
            return EXIT_USAGE;
        }
    }

    /** The {@link Io} of the run a command belongs to. */
    static Io io(CommandSpec spec) {
        return ((Root) spec.root().userObject()).io;
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Start a local 3-node cluster on loopback and exercise every primitive.")
    static final class DemoCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return Demo.run(io(spec).out());
        }
    }
}
