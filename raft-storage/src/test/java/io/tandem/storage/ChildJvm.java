package io.tandem.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class from the test classpath, whose stdout lines the test reads
 * with deadlines, and which the test kills with SIGKILL ({@link Process#destroyForcibly()}).
 */
final class ChildJvm {

    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        Thread reader = new Thread(this::pump, "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static ChildJvm start(Class<?> mainClass, Path stderr, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        return new ChildJvm(p, stderr);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("IOException reading child stdout: " + e);
        } finally {
            lines.add(EOF);
        }
    }

    /** The next stdout line; fails if none comes before {@code timeout} or the child exits. */
    String nextLine(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null || line.equals(EOF)) {
            throw new AssertionError("child " + process.pid() + (line == null ? " printed nothing for " + timeout
                    : " exited with " + exitCode()) + "; stderr:\n" + stderrText());
        }
        return line;
    }

    /**
     * Kills the child with SIGKILL, waits for it, and returns the lines it printed but the test had
     * not read. Sends the signal through {@link ProcessHandle#destroyForcibly()}, which is the same
     * SIGKILL as {@link Process#destroyForcibly()} but does not close our end of the child's stdout,
     * so no line the child managed to print (a durable index it reported) is lost.
     */
    List<String> kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("child " + process.pid() + " survived SIGKILL for 30 s");
        }
        List<String> rest = new ArrayList<>();
        for (String line = lines.poll(30, TimeUnit.SECONDS); line != null && !line.equals(EOF);
                line = lines.poll(30, TimeUnit.SECONDS)) {
            rest.add(line);
        }
        return rest;
    }

    /** Waits for a normal exit and returns the exit code. */
    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child " + process.pid() + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    private String exitCode() {
        return process.isAlive() ? "(still running)" : String.valueOf(process.exitValue());
    }

    String stderrText() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
