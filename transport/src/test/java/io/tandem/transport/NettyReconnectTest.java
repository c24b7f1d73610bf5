package io.tandem.transport;

import io.tandem.testing.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.transport.TestMessages.Ping;
import io.tandem.transport.TestMessages.Pong;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer goes away and comes back on the same port: the sender reconnects on its own. */
class NettyReconnectTest {

    private final List<Transport> open = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        processes.forEach(Process::destroyForcibly);
        open.forEach(Transport::close);
    }

    private NettyTransport start(TransportConfig.Builder config, MessageHandler handler) {
        NettyTransport t = new NettyTransport(config.build());
        open.add(t);
        t.start(handler);
        return t;
    }

    @Test
    void reconnectsToAPeerRestartedOnTheSamePortInProcess() {
        Collector first = new Collector();
        NettyTransport b = start(TestConfigs.node("node-b"), first);
        Endpoint endpoint = b.localEndpoint();
        NettyTransport a = start(TestConfigs.node("node-a"), (f, m) -> { });
        a.send(endpoint, new Ping(1, "first life"));
        first.awaitOne(new Ping(1, "first life"));

        b.close();
        Await.retrying("messages to the stopped peer are dropped and counted", 20,
                () -> a.send(endpoint, new Ping(2, "while down")), () -> a.stats().drops(endpoint) >= 1);

        Collector second = new Collector();
        start(TestConfigs.node("node-b").bind(endpoint), second);
        Await.retrying("the restarted peer receives", 20, () -> a.send(endpoint, new Ping(3, "second life")),
                () -> second.contains(new Ping(3, "second life")));
        assertTrue(a.stats().reconnects() >= 1, a.stats().toString());
        assertFalse(second.contains(new Ping(1, "first life")), "no message is delivered twice");
        assertEquals(Peer.State.READY, a.peer(endpoint).state());
    }

    @Test
    void reconnectsToAChildProcessThatIsKilledAndRestarted(@TempDir Path dir) throws Exception {
        int port = TestPorts.next();
        Endpoint child = Endpoint.of("127.0.0.1", port);
        Collector pongs = new Collector();
        NettyTransport parent = start(TestConfigs.node("parent"), pongs);
        String replyTo = parent.localEndpoint().toString();

        Process first = launch(port, dir.resolve("child-1.log"));
        Await.retrying("the child answers", Duration.ofSeconds(60), 100, () -> parent.send(child, new Ping(1, replyTo)),
                () -> pongs.contains(new Pong(1)));
        assertEquals("child", pongs.awaitOne(new Pong(1)).from());

        first.destroyForcibly(); // SIGKILL: no goodbye on the socket beyond what the kernel does
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
        long reconnectsBefore = parent.stats().reconnects();

        launch(port, dir.resolve("child-2.log"));
        Await.retrying("the restarted child answers", Duration.ofSeconds(60), 100,
                () -> parent.send(child, new Ping(2, replyTo)), () -> pongs.contains(new Pong(2)));
        assertTrue(parent.stats().reconnects() > reconnectsBefore, parent.stats().toString());
    }

    private Process launch(int port, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), PeerProcessMain.class.getName(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        processes.add(process);
        return process;
    }
}
