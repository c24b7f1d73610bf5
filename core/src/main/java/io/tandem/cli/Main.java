package io.tandem.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code tandem} command line: {@code node}, {@code demo}, {@code status}.
 *
 * <p>The CLI is the one place where printing to the console is the job, so it writes to
 * {@link System#out} directly; everything below it logs through SLF4J.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "demo":
            case "node":
            case "status":
                err.println("tandem " + command + ": not yet available in this build — the node runtime"
                        + " lands with issue #5 (node runtime, sessions, data, CLI). Arguments: "
                        + Arrays.toString(rest));
                return 3;
            default:
                err.println("tandem: unknown command '" + command + "'. Run 'tandem help' for the list.");
                return 2;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: tandem <command> [options]");
        out.println("  demo     start a local 3-node cluster and exercise every primitive");
        out.println("  node     run one node from flags or a config file");
        out.println("  status   show the status of a running node");
    }
}
