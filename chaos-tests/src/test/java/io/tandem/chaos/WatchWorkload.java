package io.tandem.chaos;

import io.tandem.data.DataStore;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.data.WatchEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Watch: every client process writes unique values to keys under {@code w/} and watches the
 * prefix from revision 1, re-subscribing from (last seen + 1) every 4–8 s as a client does after
 * a reconnect. Node kills, partitions and pauses happen meanwhile. After the run each watcher
 * waits for the last change under the prefix. {@link WatchChecker} judges it.
 *
 * <p>Records: {@code PI client key value} (write invoked), {@code PC client key value status
 * revision} (completed), {@code WE watcher revision key value type} (delivered),
 * {@code WS watcher nanos fromRevision} (subscribed), {@code WEND watcher target last}.
 */
final class WatchWorkload implements Workload {

    static final String PREFIX = "w/";

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public void drive(Context ctx) throws Exception {
        int client = ctx.clientIndex();
        DataStore data = ctx.node().data();
        Thread writer = new Thread(() -> write(ctx, client, data), "watch-writer-" + client);
        writer.start();
        Subscriber sub = new Subscriber(ctx, client, data);
        sub.subscribe();
        while (ctx.running()) {
            RegisterWorkload.pause(4000 + ctx.random().nextInt(4000));
            if (ctx.running()) {
                sub.subscribe();
            }
        }
        writer.join();
        // Every write has completed or timed out (request timeout) by now; see what was acknowledged.
        RegisterWorkload.pause(ChaosCluster.REQUEST_TIMEOUT_MS + 1000);
        long target = -1;
        long deadline = HistoryWriter.now() + TimeUnit.SECONDS.toNanos(30);
        while (target < 0 && HistoryWriter.now() < deadline) {
            try {
                target = data.list(PREFIX, 10_000, ReadConsistency.LINEARIZABLE).stream()
                        .mapToLong(Record::modRevision).max().orElse(0);
            } catch (RuntimeException e) {
                RegisterWorkload.pause(500);
            }
        }
        while (sub.last() < target && HistoryWriter.now() < deadline) {
            RegisterWorkload.pause(100);
        }
        sub.close();
        ctx.history().write("WEND", client, target, sub.last());
    }

    private static void write(Context ctx, int client, DataStore data) {
        int n = 0;
        while (ctx.running()) {
            String key = PREFIX + ctx.random().nextInt(5);
            String value = "c" + client + "." + n++;
            ctx.history().write("PI", client, key, value);
            try {
                Record r = data.write(key, value.getBytes(StandardCharsets.UTF_8));
                ctx.history().write("PC", client, key, value, "OK", r.modRevision());
            } catch (RuntimeException e) {
                ctx.history().write("PC", client, key, value, Outcomes.status(e), 0);
            }
            RegisterWorkload.pause(10 + ctx.random().nextInt(20));
        }
    }

    /** One logical watcher across re-subscriptions; ignores late events of a closed subscription. */
    private static final class Subscriber {
        private final Context ctx;
        private final int client;
        private final DataStore data;
        private long last;
        private int generation;
        private DataStore.Watch watch;

        Subscriber(Context ctx, int client, DataStore data) {
            this.ctx = ctx;
            this.client = client;
            this.data = data;
        }

        synchronized long last() {
            return last;
        }

        void subscribe() {
            long from;
            int gen;
            synchronized (this) {
                close();
                gen = ++generation;
                from = last + 1;
            }
            ctx.history().write("WS", client, HistoryWriter.now(), from);
            try {
                DataStore.Watch w = data.watch(PREFIX, from, event -> deliver(gen, event));
                synchronized (this) {
                    if (gen == generation) {
                        watch = w;
                    } else {
                        w.close();
                    }
                }
            } catch (RuntimeException e) {
                ctx.history().write("WS-FAILED", client, HistoryWriter.now(), Outcomes.name(e));
            }
        }

        private synchronized void deliver(int gen, WatchEvent event) {
            if (gen != generation) {
                return;
            }
            last = event.revision();
            String value = event.type() == WatchEvent.Type.PUT ? event.record().valueAsString() : "-";
            ctx.history().write("WE", client, event.revision(), event.key(), value, event.type());
        }

        synchronized void close() {
            if (watch != null) {
                watch.close();
                watch = null;
            }
        }
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        Map<String, WatchChecker.Write> writes = new HashMap<>();
        List<WatchChecker.Event> events = new ArrayList<>();
        Map<Integer, Long> ends = new HashMap<>();
        for (String[] r : HistoryWriter.read(histories)) {
            switch (r[0]) {
                case "PI" -> writes.put(r[2] + "=" + r[3], new WatchChecker.Write(Integer.parseInt(r[1]), r[2], r[3],
                        false, 0));
                case "PC" -> {
                    if (r[4].equals("OK")) {
                        writes.put(r[2] + "=" + r[3], new WatchChecker.Write(Integer.parseInt(r[1]), r[2], r[3], true,
                                Long.parseLong(r[5])));
                    }
                }
                case "WE" -> events.add(new WatchChecker.Event(Integer.parseInt(r[1]), Long.parseLong(r[2]), r[3], r[4]));
                case "WEND" -> ends.put(Integer.parseInt(r[1]), Long.parseLong(r[3]));
                default -> {
                }
            }
        }
        return WatchChecker.check(new ArrayList<>(writes.values()), events, ends);
    }
}
