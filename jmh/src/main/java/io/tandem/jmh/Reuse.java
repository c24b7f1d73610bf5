package io.tandem.jmh;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Clusters kept across JMH trials when {@code -Dtandem.bench.reuse=true} (quick mode of
 * {@link Suite}, which runs without forks): starting the Atomix baseline costs 12–17 s and
 * Tandem's 2–3 s, more than a quick case measures. Without the property every trial starts and
 * closes its own cluster, which is what the full mode and plain JMH runs do.
 */
final class Reuse {

    private static final Map<String, AutoCloseable> KEPT = new LinkedHashMap<>();

    private Reuse() {
    }

    static boolean enabled() {
        return Boolean.getBoolean("tandem.bench.reuse");
    }

    @SuppressWarnings("unchecked")
    static synchronized <T extends AutoCloseable> T get(String key, Callable<T> start) throws Exception {
        if (!enabled()) {
            return start.call();
        }
        AutoCloseable c = KEPT.get(key);
        if (c == null) {
            c = start.call();
            KEPT.put(key, c);
        }
        return (T) c;
    }

    /** Closes {@code c} unless it is kept for later trials. */
    static synchronized void release(AutoCloseable c) throws Exception {
        if (!KEPT.containsValue(c)) {
            c.close();
        }
    }

    /** Closes every kept cluster (end of a quick run). */
    static synchronized void closeAll() {
        for (AutoCloseable c : KEPT.values()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
        KEPT.clear();
    }
}
