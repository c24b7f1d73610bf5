package io.tandem.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TestPortsTest {

    @Test
    void neverTheSamePortTwiceAcrossThreadsAndEveryPortIsBindable() throws Exception {
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        int port = TestPorts.next();
                        assertTrue(port >= TestPorts.FIRST_PORT && port <= TestPorts.LAST_PORT, "port " + port);
                        assertTrue(seen.add(port), "port " + port + " handed out twice");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(400, seen.size());
        int port = TestPorts.next();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port)); // throws if the allocator handed out a taken port
        }
    }

    /** A second allocator (own class loader: own counter, same start block) stands in for a second test JVM. */
    @Test
    void anotherAllocatorInstanceNeverGetsThisOnesPorts() throws Exception {
        URL classes = TestPorts.class.getProtectionDomain().getCodeSource().getLocation();
        Set<Integer> mine = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            mine.add(TestPorts.next());
        }
        URL slf4j = org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader other = new URLClassLoader(new URL[] {classes, slf4j},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> twin = other.loadClass(TestPorts.class.getName());
            assertFalse(twin == TestPorts.class, "the twin must be a separate class with its own counter");
            Method next = twin.getMethod("next");
            for (int i = 0; i < 100; i++) {
                int port = (int) next.invoke(null);
                assertFalse(mine.contains(port), "port " + port + " handed out by both allocators");
            }
        }
    }

    @Test
    void aPortSomeoneListensOnIsSkipped() throws Exception {
        int first = TestPorts.next();
        // Occupy what would most likely come next (the next ports of the same block).
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int p = first + 1; p < first + 4; p++) {
                try {
                    ServerSocket s = new ServerSocket();
                    s.bind(new InetSocketAddress(p));
                    held.add(s);
                } catch (IOException e) {
                    // taken by someone else already: just as good for this test
                }
            }
            for (int i = 0; i < 8; i++) {
                int port = TestPorts.next();
                for (ServerSocket s : held) {
                    assertTrue(port != s.getLocalPort(), "handed out port " + port + ", which is listening");
                }
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    @Test
    void retriesOnlyWhenThePortWasTaken() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String result = TestPorts.retryOnBindFailure(() -> {
            if (calls.incrementAndGet() < 3) {
                // Netty's native transport reports a taken port like this, wrapped by the transport.
                throw new IllegalStateException("cannot listen on 127.0.0.1:20001",
                        new IOException("bind(..) failed: Address already in use"));
            }
            return "started";
        });
        assertEquals("started", result);
        assertEquals(3, calls.get());

        calls.set(0);
        IllegalArgumentException other = new IllegalArgumentException("seed listed twice");
        assertSame(other, assertThrows(IllegalArgumentException.class, () -> TestPorts.retryOnBindFailure(() -> {
            calls.incrementAndGet();
            throw other;
        })));
        assertEquals(1, calls.get(), "a failure that is not a taken port is not retried");

        calls.set(0);
        assertThrows(BindException.class, () -> TestPorts.retryOnBindFailure(() -> {
            calls.incrementAndGet();
            throw new BindException("Address already in use");
        }));
        assertEquals(TestPorts.BIND_ATTEMPTS, calls.get());
    }
}
