package io.tandem.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short administrative commands (ip, nft, iptables, kill) and reports their output on failure. */
final class Shell {

    private Shell() {
    }

    /** Runs {@code cmd}; throws with its output if it exits non-zero or takes longer than 30 s. */
    static String run(String... cmd) {
        return runWithInput(null, cmd);
    }

    /** Runs {@code cmd} with {@code stdin} fed to it. */
    static String runWithInput(String stdin, String... cmd) {
        Result r = tryRun(stdin, cmd);
        if (r.exit != 0) {
            throw new IllegalStateException("command failed (exit " + r.exit + "): " + String.join(" ", cmd) + "\n"
                    + r.output);
        }
        return r.output;
    }

    /** Runs {@code cmd} in network namespace {@code ns}. */
    static String inNs(String ns, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(Arrays.asList(cmd));
        return run(full.toArray(String[]::new));
    }

    record Result(int exit, String output) {
    }

    /** Runs {@code cmd} and returns its exit code and output, never throwing for a non-zero exit. */
    static Result tryRun(String stdin, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after 30 s: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", cmd) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + String.join(" ", cmd));
        }
    }

    /** True iff this process runs as root (uid 0): namespaces and nft need it. */
    static boolean isRoot() {
        Result r = tryRun(null, "id", "-u");
        return r.exit == 0 && r.output.trim().equals("0");
    }

    /** True iff {@code tool} is on the PATH. */
    static boolean has(String tool) {
        return tryRun(null, "sh", "-c", "command -v " + tool).exit == 0;
    }
}
