package io.tandem.jmh;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Atomix 3.1.12 baseline cluster, loaded in its own class loader.
 *
 * <p>Why: Atomix 3.1.12 needs Netty 4.1.27, Kryo 4 and Guava 22; Tandem runs on Netty 4.2 and
 * Kryo 5 with the same package names. The module {@code jmh/baseline} packs the Atomix driver
 * ({@code io.tandem.jmh.baseline.AtomixCluster}) and all of Atomix's dependencies into one jar,
 * which the jmh build copies to {@code jmh/target/baseline/atomix-baseline.jar}. This class opens
 * that jar in a {@link URLClassLoader} whose parent is the <em>platform</em> class loader, so
 * nothing on the benchmark's class path (Tandem, Netty 4.2, Kryo 5, JMH) is visible to Atomix and
 * nothing of Atomix's is visible to Tandem. The two sides talk through JDK types only: the
 * driver's public methods are looked up here as method handles.
 *
 * <p>The jar is found from {@code -Dtandem.baseline.jar}, else beside the code of this class
 * ({@code target/baseline/} next to {@code target/classes} or {@code target/benchmarks.jar}).
 */
final class AtomixBaseline implements AutoCloseable {

    static final String DRIVER = "io.tandem.jmh.baseline.AtomixCluster";

    private final URLClassLoader loader;
    private final Object cluster;
    private final Path dir;
    private final MethodHandle useCaller;
    private final MethodHandle lockDistinct;
    private final MethodHandle lockShared;
    private final MethodHandle put;
    private final MethodHandle compareAndWrite;
    private final MethodHandle read;
    private final MethodHandle increment;
    private final MethodHandle electResign;
    private final MethodHandle close;

    private AtomixBaseline(URLClassLoader loader, Object cluster, Path dir) throws ReflectiveOperationException {
        this.loader = loader;
        this.cluster = cluster;
        this.dir = dir;
        Class<?> c = cluster.getClass();
        MethodHandles.Lookup l = MethodHandles.publicLookup();
        useCaller = bind(l, c, "useCaller", MethodType.methodType(void.class, int.class));
        lockDistinct = bind(l, c, "lockDistinct", MethodType.methodType(long.class, int.class));
        lockShared = bind(l, c, "lockShared", MethodType.methodType(long.class, int.class));
        put = bind(l, c, "put", MethodType.methodType(int.class, int.class, String.class, byte[].class));
        compareAndWrite = bind(l, c, "compareAndWrite", MethodType.methodType(boolean.class, int.class));
        read = bind(l, c, "read", MethodType.methodType(int.class, int.class, String.class, boolean.class));
        increment = bind(l, c, "increment", MethodType.methodType(long.class, int.class));
        electResign = bind(l, c, "electResign", MethodType.methodType(long.class, int.class));
        close = bind(l, c, "close", MethodType.methodType(void.class));
    }

    private MethodHandle bind(MethodHandles.Lookup l, Class<?> c, String name, MethodType type)
            throws ReflectiveOperationException {
        return l.findVirtual(c, name, type).bindTo(cluster);
    }

    /** Locates the baseline jar; throws with instructions when it is missing. */
    static Path jar() {
        String explicit = System.getProperty("tandem.baseline.jar");
        if (explicit != null) {
            return Path.of(explicit);
        }
        try {
            Path code = Path.of(AtomixBaseline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jar = code.getParent().resolve("baseline").resolve("atomix-baseline.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
            throw new IllegalStateException("Atomix baseline jar not found at " + jar + "; build it with "
                    + "'mvn -B -DskipTests install -pl jmh/baseline,jmh -am' or pass -Dtandem.baseline.jar=...");
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean available() {
        try {
            jar();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Starts the 3-member Atomix cluster (on disk with flush-on-commit unless {@code inMemory}). */
    static AtomixBaseline start(boolean inMemory) throws Exception {
        URLClassLoader loader = new URLClassLoader("atomix-baseline", new URL[] {jar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Path dir = BenchFiles.newDirectory("atomix-cluster-");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        // Threads Atomix creates inherit the context loader of the thread that starts it.
        t.setContextClassLoader(loader);
        try {
            Object cluster = Class.forName(DRIVER, true, loader).getConstructor(String.class, boolean.class)
                    .newInstance(dir.toString(), !inMemory);
            return new AtomixBaseline(loader, cluster, dir);
        } finally {
            t.setContextClassLoader(before);
        }
    }

    ClassLoader loader() {
        return loader;
    }

    void useCaller(int id) {
        try {
            useCaller.invokeExact(id);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    long lockDistinct(int caller) {
        try {
            return (long) lockDistinct.invokeExact(caller);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    long lockShared(int caller) {
        try {
            return (long) lockShared.invokeExact(caller);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    int put(int caller, String key, byte[] value) {
        try {
            return (int) put.invokeExact(caller, key, value);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    boolean compareAndWrite(int caller) {
        try {
            return (boolean) compareAndWrite.invokeExact(caller);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    int read(int caller, String key, boolean linearizable) {
        try {
            return (int) read.invokeExact(caller, key, linearizable);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    long increment(int caller) {
        try {
            return (long) increment.invokeExact(caller);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    long electResign(int caller) {
        try {
            return (long) electResign.invokeExact(caller);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new IllegalStateException("atomix baseline: " + e, e);
    }

    @Override
    public void close() throws Exception {
        try {
            close.invokeExact();
        } catch (Throwable e) {
            throw rethrow(e);
        } finally {
            loader.close();
            BenchFiles.deleteRecursively(dir);
        }
    }
}
