package io.tandem.chaos;

import io.tandem.chaos.ChaosNetwork.Block;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Injects faults into a {@link ChaosCluster}, one at a time: fault, hold (3–8 s; a pause:
 * session timeout + 1.5–3 s; a clock skew: 14–20 s), heal, quiet (2–4 s). Which
 * fault, on whom and for how long all come from one seeded generator, so the schedule of a run
 * follows from its printed seed (the real processes still cannot replay bit for bit; STYLE §9).
 * Every step is written to {@code nemesis.log} with its time since the start of the run.
 */
final class Nemesis {

    /** The faults. */
    enum Kind {
        /** Random halves cannot reach each other. */
        PARTITION_HALVES,
        /** The (presumed) Raft leader's host is cut off from everyone. */
        ISOLATE_LEADER,
        /** A random minority is cut off from the majority. */
        MAJORITY_MINORITY,
        /** Two sides that cannot see each other, and one node that sees both. */
        BRIDGE,
        /** One node's outgoing TCP SYNs to another are dropped (new connections fail one way). */
        SYN_DROP,
        /** Every packet from one node to another is dropped, not the other way round. */
        ONE_WAY,
        /** kill -9 of a random node, restart with its data directory. */
        KILL,
        /** kill -9 of the (presumed) leader, restart with its data directory. */
        KILL_LEADER,
        /** SIGSTOP of a node or a client for longer than the session timeout, then SIGCONT. */
        PAUSE,
        /** Restart a node under libfaketime with its wall clock shifted by ±1–3 s. */
        CLOCK_SKEW,
        /** 10–35 % of incoming packets dropped on one or every host (iptables statistic). */
        PACKET_LOSS
    }

    private final ChaosCluster cluster;
    private final SplittableRandom random;
    private final List<Kind> kinds;
    private final Path timeline;
    private final long startNanos;
    private final Set<String> paused = new LinkedHashSet<>();
    private final Set<String> down = new LinkedHashSet<>();
    private final List<String> applied = new ArrayList<>();
    private boolean faulty;

    Nemesis(ChaosCluster cluster, long seed, Collection<Kind> kinds, Path timeline, long startNanos) {
        this.cluster = cluster;
        this.random = new SplittableRandom(seed);
        this.kinds = new ArrayList<>(kinds.isEmpty() ? EnumSet.allOf(Kind.class) : kinds);
        this.timeline = timeline;
        this.startNanos = startNanos;
    }

    static List<Kind> parse(String spec) {
        List<Kind> kinds = new ArrayList<>();
        if (spec == null || spec.isBlank() || spec.equals("all")) {
            return kinds;
        }
        for (String s : spec.split(",")) {
            kinds.add(Kind.valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
        }
        return kinds;
    }

    /** The faults applied so far, one line each, for the summary. */
    List<String> applied() {
        return applied;
    }

    /** Runs fault/heal cycles until {@code untilNanos}, then heals everything. */
    void run(long untilNanos) throws IOException, InterruptedException {
        try {
            sleepUntil(Math.min(untilNanos, HistoryWriter.now() + TimeUnit.SECONDS.toNanos(3)));
            while (HistoryWriter.now() < untilNanos - TimeUnit.SECONDS.toNanos(4)) {
                Kind kind = kinds.get(random.nextInt(kinds.size()));
                long holdMs = switch (kind) {
                    case PAUSE -> ChaosCluster.SESSION_TIMEOUT_MS + 1500 + random.nextInt(1500);
                    // A JVM under libfaketime needs 2-4 s to start: hold long enough for the skewed
                    // node to rejoin, catch up and run with its wrong clock for several seconds.
                    case CLOCK_SKEW -> 14_000 + random.nextInt(6000);
                    default -> 3000 + random.nextInt(5000);
                };
                long holdUntil = Math.min(untilNanos, HistoryWriter.now() + TimeUnit.MILLISECONDS.toNanos(holdMs));
                faulty = true;
                String what = apply(kind);
                applied.add(what);
                log("start " + what);
                sleepUntil(holdUntil);
                healAll();
                sleepUntil(Math.min(untilNanos, HistoryWriter.now() + TimeUnit.MILLISECONDS.toNanos(2000
                        + random.nextInt(2000))));
            }
        } finally {
            healAll();
        }
    }

    private String apply(Kind kind) throws IOException, InterruptedException {
        List<String> nodes = new ArrayList<>(cluster.nodeIds);
        shuffle(nodes);
        int n = nodes.size();
        switch (kind) {
            case PARTITION_HALVES: {
                int cut = 1 + random.nextInt(n - 1);
                return partition(kind, nodes.subList(0, cut), nodes.subList(cut, n), List.of());
            }
            case MAJORITY_MINORITY: {
                int minority = 1 + random.nextInt((n - 1) / 2);
                return partition(kind, nodes.subList(0, minority), nodes.subList(minority, n), List.of());
            }
            case ISOLATE_LEADER: {
                String leader = cluster.leaderHint().orElse(nodes.get(0));
                List<String> rest = new ArrayList<>(nodes);
                rest.remove(leader);
                return partition(kind, List.of(leader), rest, List.of());
            }
            case BRIDGE: {
                String bridge = nodes.get(0);
                List<String> rest = nodes.subList(1, n);
                int half = rest.size() / 2;
                return partition(kind, rest.subList(0, half), rest.subList(half, rest.size()), List.of(bridge));
            }
            case SYN_DROP:
            case ONE_WAY: {
                String from = nodes.get(0);
                String to = kind == Kind.SYN_DROP || random.nextBoolean() ? nodes.get(1)
                        : cluster.leaderHint().filter(l -> !l.equals(from)).orElse(nodes.get(1));
                cluster.net.partition(List.of(new Block(from, to, kind == Kind.SYN_DROP)));
                return kind + " " + from + " -> " + to;
            }
            case KILL:
            case KILL_LEADER: {
                String victim = kind == Kind.KILL_LEADER ? cluster.leaderHint().orElse(nodes.get(0)) : nodes.get(0);
                cluster.kill(victim);
                down.add(victim);
                return kind + " " + victim + " (kill -9; restarts with its data directory at heal)";
            }
            case PAUSE: {
                List<String> members = new ArrayList<>(nodes);
                members.addAll(cluster.clientIds());
                String victim = random.nextInt(3) == 0 ? cluster.leaderHint().orElse(nodes.get(0))
                        : members.get(random.nextInt(members.size()));
                cluster.signal(victim, true);
                paused.add(victim);
                return kind + " " + victim + " (SIGSTOP)";
            }
            case CLOCK_SKEW: {
                String victim = nodes.get(0);
                long skew = (1000 + random.nextInt(2001)) * (random.nextBoolean() ? 1 : -1);
                cluster.kill(victim);
                cluster.startNode(victim, skew);
                down.add(victim); // restarted without skew at heal
                return kind + " " + victim + " restarted with wall clock " + (skew > 0 ? "+" : "") + skew + " ms";
            }
            case PACKET_LOSS: {
                double p = 0.10 + random.nextInt(26) / 100.0;
                List<String> hosts = random.nextBoolean() ? List.of(nodes.get(0)) : nodes;
                for (String h : hosts) {
                    cluster.net.loss(h, p);
                }
                return kind + " " + Math.round(p * 100) + "% on " + hosts;
            }
            default:
                throw new IllegalStateException("unknown nemesis " + kind);
        }
    }

    /** Cuts {@code a} from {@code b} both ways; {@code bridges} see both sides. */
    private String partition(Kind kind, List<String> a, List<String> b, List<String> bridges) {
        List<Block> blocks = new ArrayList<>();
        for (String x : a) {
            for (String y : b) {
                blocks.add(new Block(x, y, false));
                blocks.add(new Block(y, x, false));
            }
        }
        cluster.net.partition(blocks);
        return kind + " " + a + " | " + b + (bridges.isEmpty() ? "" : " bridge " + bridges);
    }

    /** Heals every fault: rules removed, paused processes continued, killed or skewed nodes restarted. */
    void healAll() throws IOException, InterruptedException {
        cluster.net.partition(List.of());
        cluster.net.clearLoss();
        for (String p : paused) {
            cluster.signal(p, false);
        }
        for (String d : down) {
            if (cluster.isAlive(d)) {
                cluster.kill(d); // a skewed node: restart it with the true clock
            }
            cluster.startNode(d, 0);
        }
        if (faulty) {
            log("heal" + (paused.isEmpty() ? "" : " (SIGCONT " + paused + ")")
                    + (down.isEmpty() ? "" : " (restarted " + down + ")"));
        }
        paused.clear();
        down.clear();
        faulty = false;
    }

    void log(String line) {
        String stamped = String.format(Locale.ROOT, "+%8.3fs %s%n", (HistoryWriter.now() - startNanos) / 1e9, line);
        System.out.print("  nemesis " + stamped);
        try {
            Files.writeString(timeline, stamped, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - HistoryWriter.now();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
