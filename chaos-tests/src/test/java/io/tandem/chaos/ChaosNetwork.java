package io.tandem.chaos;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private network for one chaos run, built from Linux network namespaces so that the host's own
 * interfaces and firewall are never touched:
 *
 * <pre>
 *   ns …-n1 (10.199.0.11)  ── veth ──┐
 *   ns …-n2 (10.199.0.12)  ── veth ──┼── bridge br0 in ns …-hub
 *   ns …-n3 (10.199.0.13)  ── veth ──┘
 * </pre>
 *
 * Each node (and the client processes that share its host, see {@link ChaosCluster}) lives in its
 * own namespace. Namespace names carry the harness JVM's pid ({@code tandem-chaos-<pid>-n1}), so
 * two suites on one machine (two checkouts) never touch each other's namespaces; the subnet needs
 * no such care, since each run's addresses exist only on its own bridge. Faults are rules inside those namespaces: an nftables table {@code inet chaos}
 * for partitions (drop by peer address, both directions, or only the TCP SYNs a node sends) and
 * iptables {@code -m statistic} for random packet loss (this kernel has no netem). Removing a
 * namespace removes its rules and its end of the veth pair, so {@link #close()} leaves nothing
 * behind; {@link #removeLeftovers()} cleans up after a harness JVM that died before it could.
 */
final class ChaosNetwork implements AutoCloseable {

    static final String PREFIX = "tandem-chaos-";
    /** This JVM's namespaces start with this. */
    static final String OWN = PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9a-z]+)-.*");
    private static final String HUB = OWN + "hub";
    private static final String SUBNET = "10.199.0.";

    /** A directed block: packets from {@code from} to {@code to} are dropped (all, or SYNs only). */
    record Block(String from, String to, boolean synOnly) implements Comparable<Block> {
        @Override
        public int compareTo(Block o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return from + (synOnly ? " -SYN-x " : " -x ") + to;
        }
    }

    private final Map<String, Integer> hosts = new LinkedHashMap<>();
    private final Set<String> lossy = new TreeSet<>();

    /** Creates the hub, and one namespace with a veth to the bridge per host id (e.g. n1, n2, n3). */
    private final Thread removeOnExit = new Thread(ChaosNetwork::removeLeftovers, "chaos-remove-namespaces");

    ChaosNetwork(List<String> hostIds) {
        removeLeftovers();
        // If the JVM is stopped before close() runs, the namespaces (and their rules) go with it.
        Runtime.getRuntime().addShutdownHook(removeOnExit);
        try {
            Shell.run("ip", "netns", "add", HUB);
            Shell.inNs(HUB, "ip", "link", "set", "lo", "up");
            Shell.inNs(HUB, "ip", "link", "add", "br0", "type", "bridge");
            Shell.inNs(HUB, "ip", "link", "set", "br0", "up");
            int octet = 11;
            for (String id : hostIds) {
                String ns = ns(id);
                Shell.run("ip", "netns", "add", ns);
                Shell.inNs(ns, "ip", "link", "set", "lo", "up");
                // Created directly inside the two namespaces: the veth never exists in the host's.
                Shell.run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "v-" + id,
                        "netns", HUB);
                Shell.inNs(HUB, "ip", "link", "set", "v-" + id, "master", "br0");
                Shell.inNs(HUB, "ip", "link", "set", "v-" + id, "up");
                Shell.inNs(ns, "ip", "addr", "add", SUBNET + octet + "/24", "dev", "eth0");
                Shell.inNs(ns, "ip", "link", "set", "eth0", "up");
                Shell.runWithInput(emptyTable(), "ip", "netns", "exec", ns, "nft", "-f", "-");
                hosts.put(id, octet++);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    String ns(String hostId) {
        return OWN + hostId;
    }

    String ip(String hostId) {
        Integer octet = hosts.get(hostId);
        if (octet == null) {
            throw new IllegalArgumentException("no host " + hostId + " in " + hosts.keySet());
        }
        return SUBNET + octet;
    }

    Collection<String> hostIds() {
        return hosts.keySet();
    }

    private static String emptyTable() {
        return "table inet chaos {\n"
                + "  chain input { type filter hook input priority 0; policy accept; }\n"
                + "  chain output { type filter hook output priority 0; policy accept; }\n"
                + "}\n";
    }

    /**
     * Replaces every partition rule with {@code blocks} (empty: heal). A full block is enforced on
     * both ends (the sender's output and the receiver's input), a SYN block on the sender only.
     */
    void partition(Collection<Block> blocks) {
        Map<String, StringBuilder> scripts = new LinkedHashMap<>();
        for (String id : hosts.keySet()) {
            scripts.put(id, new StringBuilder("delete table inet chaos\n").append(emptyTable()));
        }
        for (Block b : new TreeSet<>(blocks)) {
            if (b.synOnly()) {
                scripts.get(b.from()).append("add rule inet chaos output ip daddr ").append(ip(b.to()))
                        .append(" tcp flags & (syn | ack) == syn drop\n");
            } else {
                scripts.get(b.from()).append("add rule inet chaos output ip daddr ").append(ip(b.to()))
                        .append(" drop\n");
                scripts.get(b.to()).append("add rule inet chaos input ip saddr ").append(ip(b.from()))
                        .append(" drop\n");
            }
        }
        for (Map.Entry<String, StringBuilder> e : scripts.entrySet()) {
            Shell.runWithInput(e.getValue().toString(), "ip", "netns", "exec", ns(e.getKey()), "nft", "-f", "-");
        }
    }

    /** Drops incoming packets on {@code hostId} with the given probability (iptables statistic). */
    void loss(String hostId, double probability) {
        Shell.inNs(ns(hostId), "iptables", "-A", "INPUT", "-m", "statistic", "--mode", "random",
                "--probability", String.valueOf(probability), "-j", "DROP");
        lossy.add(hostId);
    }

    /** Removes every packet-loss rule. */
    void clearLoss() {
        for (String id : lossy) {
            Shell.inNs(ns(id), "iptables", "-F", "INPUT");
        }
        lossy.clear();
    }

    /** Every rule this run has in place, per namespace, for the report. */
    String describeRules() {
        StringBuilder out = new StringBuilder();
        for (String id : hosts.keySet()) {
            out.append("# ").append(ns(id)).append('\n')
                    .append(Shell.tryRun(null, "ip", "netns", "exec", ns(id), "nft", "list", "ruleset").output());
        }
        return out.toString();
    }

    /** Names of this suite's namespaces that exist now, of any harness JVM. */
    static List<String> existingNamespaces() {
        List<String> names = new ArrayList<>();
        for (String line : Shell.tryRun(null, "ip", "netns", "list").output().split("\n")) {
            String name = line.trim().split(" ")[0];
            if (name.startsWith(PREFIX)) {
                names.add(name);
            }
        }
        return names;
    }

    /** This JVM's namespaces that exist now. */
    static List<String> ownNamespaces() {
        List<String> own = new ArrayList<>();
        for (String name : existingNamespaces()) {
            if (name.startsWith(OWN)) {
                own.add(name);
            }
        }
        return own;
    }

    /**
     * Deletes this JVM's namespaces and those of harness JVMs that no longer run (their veths,
     * bridge and rules go with them); a live suite's namespaces are left alone.
     */
    static void removeLeftovers() {
        for (String name : existingNamespaces()) {
            Matcher m = NAME.matcher(name);
            boolean ownerGone = m.matches() && ProcessHandle.of(Long.parseLong(m.group(1), 36))
                    .map(h -> !h.isAlive()).orElse(true);
            if (name.startsWith(OWN) || ownerGone) {
                Shell.tryRun(null, "ip", "netns", "del", name);
            }
        }
    }

    @Override
    public void close() {
        removeLeftovers();
        hosts.clear();
        lossy.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(removeOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and the hook runs removeLeftovers() too; harmless twice
        }
    }
}
