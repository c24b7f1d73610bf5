package io.tandem.time;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real NTP server for tests: {@code chronyd -d -x} (never touches the system clock) on
 * 127.0.0.1 and an unprivileged UDP port, with its own config, pid, drift and socket files in a
 * temporary directory, serving its local clock ({@code local stratum 8}). With a skew, chronyd
 * also reads a {@code refclock SOCK} that this class feeds every 250 ms with samples saying
 * "true time is the system clock + skew"; chronyd then serves time shifted by the skew. Java has
 * no AF_UNIX datagram sockets, so a tiny perl process (perl-base) forwards the 40-byte samples
 * (chrony's {@code struct sock_sample}) written to its stdin.
 *
 * <p>Without chronyd the calling test is skipped with a message saying how to install it —
 * except under CI ({@code CI=true}), where a missing chronyd fails the test.
 */
final class Chrony implements AutoCloseable {

    static final Path CHRONYD = Path.of("/usr/sbin/chronyd");
    private static final int SOCK_MAGIC = 0x534f434b;

    final int port;
    final Path dir;
    private final Process chronyd;
    private Process feeder;
    private Thread feeding;
    private volatile boolean closed;

    /** Skips (locally) or fails (CI=true) when chronyd or perl is missing. */
    static void require() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean present = Files.isExecutable(CHRONYD) && Files.isExecutable(Path.of("/usr/bin/perl"));
        String how = "chronyd not found at " + CHRONYD + " (or perl missing): install it with"
                + " 'sudo apt-get install chrony' (the tests run it with -x on loopback; it never touches the"
                + " system clock). .ci/run installs it.";
        if (!present && ci) {
            throw new AssertionError("CI=true but " + how);
        }
        Assumptions.assumeTrue(present, how);
    }

    /** Starts chronyd serving the local clock shifted by {@code skewMs} (0 for none). */
    Chrony(Path dir, long skewMs) throws IOException {
        require();
        this.dir = dir;
        Files.createDirectories(dir);
        this.port = freeUdpPort();
        List<String> conf = new ArrayList<>(List.of(
                "port " + port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 8", "cmdport 0",
                "pidfile " + dir.resolve("chronyd.pid"), "driftfile " + dir.resolve("drift")));
        if (skewMs != 0) {
            conf.add("refclock SOCK " + dir.resolve("ref.sock") + " refid SKEW poll 0 filter 1");
        }
        Files.write(dir.resolve("chrony.conf"), conf);
        List<String> cmd = new ArrayList<>(List.of(CHRONYD.toString(), "-d", "-x", "-f",
                dir.resolve("chrony.conf").toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("-u");
            cmd.add("root"); // do not switch to the _chrony user: it cannot read our temp dir
        }
        chronyd = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile())
                .start();
        if (skewMs != 0) {
            startFeeding(skewMs);
        }
    }

    private void startFeeding(long skewMs) throws IOException {
        Path sock = dir.resolve("ref.sock");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(sock)) {
            if (System.nanoTime() > deadline || !chronyd.isAlive()) {
                throw new IOException("chronyd did not create " + sock + "; its log: " + log());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        feeder = new ProcessBuilder("perl", "-e", "use Socket; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die $!;"
                + " my $a = sockaddr_un($ARGV[0]); my $b; while (read(STDIN, $b, 40) == 40) { send($s, $b, 0, $a) }",
                sock.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("feeder.log").toFile()).start();
        OutputStream out = feeder.getOutputStream();
        feeding = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
            try {
                while (!closed) {
                    long micros = TimeUnit.NANOSECONDS.toMicros(java.time.Instant.now().getEpochSecond() * 1_000_000_000L
                            + java.time.Instant.now().getNano());
                    b.clear();
                    b.putLong(micros / 1_000_000).putLong(micros % 1_000_000).putDouble(skewMs / 1000.0)
                            .putInt(0).putInt(0).putInt(0).putInt(SOCK_MAGIC);
                    out.write(b.array());
                    out.flush();
                    java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
                }
            } catch (IOException e) {
                if (!closed) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }, "chrony-feeder");
        feeding.setDaemon(true);
        feeding.start();
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("chronyd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (feeder != null) {
            feeder.destroyForcibly();
            feeder.waitFor(5, TimeUnit.SECONDS);
        }
        chronyd.destroy();
        if (!chronyd.waitFor(5, TimeUnit.SECONDS)) {
            chronyd.destroyForcibly();
            chronyd.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
