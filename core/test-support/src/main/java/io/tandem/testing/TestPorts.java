package io.tandem.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way tests get TCP ports. Where a test needs no port known in advance, bind to port 0
 * instead and read the bound address back ({@code Tandem.address()}); this class is for the tests
 * that must name a port before anything listens on it (founders' seed lists, child processes).
 *
 * <p><b>What it promises.</b> {@link #next()} never returns the same port twice in a JVM (one
 * counter, under a lock), never a port another test JVM on this machine took from this class (each
 * JVM claims blocks of {@value #BLOCK_PORTS} ports with an OS file lock in
 * {@code $java.io.tmpdir/tandem-test-ports/}, released by the OS when that JVM exits, however it
 * exits), and only a port that nothing listens on at the moment of the call. The ports come from
 * {@value #FIRST_PORT}–{@value #LAST_PORT}, below Linux's default ephemeral range (32768–60999), so
 * the kernel never hands one of them to an outgoing connection or to a bind to port 0. The old way,
 * {@code new ServerSocket(0)} then close, returns an ephemeral port: two calls could return the same
 * one, and any process could take it before the node bound it.
 *
 * <p><b>What it cannot promise.</b> A process that does not use this class (another program, an
 * older checkout's tests) may still bind one of these ports between {@link #next()} and the node's
 * bind. {@link #retryOnBindFailure} covers that: it re-runs the whole start, with fresh ports, when
 * the failure was "address already in use", and only then.
 *
 * <p>Thread-safe. Several class loaders in one JVM (JMH's baseline loader) each have their own
 * counter, but the file locks keep their blocks apart too.
 */
public final class TestPorts {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TestPorts.class);

    public static final int FIRST_PORT = 20_000;
    public static final int LAST_PORT = 32_767;
    static final int BLOCK_PORTS = 32;
    static final int BLOCKS = (LAST_PORT + 1 - FIRST_PORT) / BLOCK_PORTS;
    /** How often {@link #retryOnBindFailure} starts over before it gives up. */
    public static final int BIND_ATTEMPTS = 5;

    private static final Path LOCK_DIR = Path.of(System.getProperty("java.io.tmpdir"), "tandem-test-ports");
    /** Open channels whose locks this JVM holds until it exits. */
    private static final List<FileChannel> HELD = new ArrayList<>();
    private static int nextBlock = Math.floorMod(ProcessHandle.current().pid() * 0x9E3779B97F4A7C15L, BLOCKS);
    private static int nextPort = -1;
    private static int blockEnd = -1;
    private static boolean warnedNoLocks;

    private TestPorts() {
    }

    /** A port nothing listens on now, never handed out before in this JVM or to another test JVM. */
    public static synchronized int next() {
        while (true) {
            if (nextPort < 0 || nextPort >= blockEnd) {
                claimBlock();
            }
            int port = nextPort++;
            if (isFree(port)) {
                return port;
            }
        }
    }

    /** {@code 127.0.0.1:} and {@link #next()}. */
    public static String loopback() {
        return "127.0.0.1:" + next();
    }

    /** An attempt that may fail with any exception. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /**
     * Runs {@code attempt} and, if it failed only because a port was taken ({@link #isBindFailure}),
     * runs it again, up to {@value #BIND_ATTEMPTS} times in all. The attempt must take fresh ports
     * from {@link #next()} each time and clean up what it started before it throws.
     */
    public static <T> T retryOnBindFailure(Attempt<T> attempt) throws Exception {
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (Exception e) {
                if (i >= BIND_ATTEMPTS || !isBindFailure(e)) {
                    throw e;
                }
                // Test-support output: the surefire report keeps it beside the test that retried.
                LOG.warn("TestPorts: a port was taken (" + e + "); starting over on new ports, attempt "
                        + (i + 1) + " of " + BIND_ATTEMPTS);
            }
        }
    }

    /** True if {@code t} or one of its causes says a listening address was already in use. */
    public static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && m.contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isFree(int port) {
        // The wildcard address: taken on any local address means taken for us.
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void claimBlock() {
        for (int tried = 0; tried < BLOCKS; tried++) {
            int block = nextBlock;
            nextBlock = (nextBlock + 1) % BLOCKS;
            if (lock(block)) {
                nextPort = FIRST_PORT + block * BLOCK_PORTS;
                blockEnd = nextPort + BLOCK_PORTS;
                return;
            }
        }
        throw new IllegalStateException("all " + BLOCKS + " blocks of test ports in " + FIRST_PORT + "-" + LAST_PORT
                + " are held (lock files in " + LOCK_DIR + "); too many test JVMs at once, or one JVM used "
                + BLOCKS * BLOCK_PORTS + " ports: wait for other builds to finish");
    }

    private static boolean lock(int block) {
        FileChannel channel = null;
        try {
            Files.createDirectories(LOCK_DIR);
            channel = FileChannel.open(LOCK_DIR.resolve("block-" + block + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close(); // another JVM holds this block
                return false;
            }
            HELD.add(channel); // never closed: the lock lasts as long as this JVM
            return true;
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel); // this JVM holds it already (used up, or another class loader's)
            return false;
        } catch (IOException e) {
            closeQuietly(channel);
            if (!warnedNoLocks) {
                warnedNoLocks = true;
                LOG.warn("TestPorts: cannot lock " + LOCK_DIR + " (" + e + "); ports stay unique in this"
                        + " JVM only, and a port another JVM takes is retried by retryOnBindFailure");
            }
            return true;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("TestPorts: closing a lock file failed: " + e);
            }
        }
    }
}
