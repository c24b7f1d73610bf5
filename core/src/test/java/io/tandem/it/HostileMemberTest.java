package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.node.NodeStatus;
import io.tandem.node.Wire;
import io.tandem.raft.Heartbeat;
import io.tandem.raft.RequestVote;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.Envelope;
import io.tandem.storage.LogEntry;
import io.tandem.storage.SegmentedRaftLog;
import io.tandem.storage.SegmentedRaftLogConfig;
import io.tandem.transport.Endpoint;
import io.tandem.transport.NettyTransport;
import io.tandem.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member, or anyone holding the cluster secret, attacks a real 3-node cluster on loopback
 * (issue #24, first rows): poison commands, a poison entry already in every log, and Raft
 * messages under forged or non-member identities. Each test fails on a build without the
 * matching defence: the cluster stops for good, a foreign session's command applies, or the term
 * is driven up.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(120)
class HostileMemberTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A transport that proves the cluster secret under {@code identity}, as any holder of the secret can. */
    private static NettyTransport attacker(String identity) {
        TransportConfig tc = TransportConfig.builder().clusterName("it").nodeId(identity)
                .bind(Endpoint.of("127.0.0.1", 0)).clusterSecret(LocalCluster.SECRET.getBytes(StandardCharsets.UTF_8))
                .registrations(Wire.registrations()).ioThreads(1).build();
        NettyTransport t = new NettyTransport(tc);
        t.start((from, message) -> { });
        return t;
    }

    private static Endpoint endpointOf(LocalCluster c, String id) {
        return Endpoint.of("127.0.0.1", c.ports.get(id));
    }

    private static void writesEverywhere(LocalCluster c, String key) {
        for (Map.Entry<String, Tandem> e : c.nodes.entrySet()) {
            String k = key + "-" + e.getKey();
            e.getValue().data().write(k, "v".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), e.getValue().data().read(k).orElseThrow().value(),
                    "node " + e.getKey() + " serves writes and linearizable reads");
        }
    }

    @Test
    void poisonForwardedProposalsAreRefusedAndTheClusterKeepsServing() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(WAIT);
            String victim = leader.equals("n1") ? "n2" : "n1";
            Tandem victimNode = c.node(victim);
            victimNode.data().write("owned", "mine".getBytes(StandardCharsets.UTF_8));
            long victimSession = victimNode.runtime().sessionId();
            String impostor = victim.equals("n2") ? "n3" : "n2";
            if (impostor.equals(leader)) {
                impostor = "n3".equals(victim) ? "n1" : "n3";
            }
            NettyTransport evil = attacker(impostor);
            NettyTransport stranger = attacker("mallory");
            try {
                byte[] stolen = CommandCodec.encode(new Envelope(victimSession, 1_000_000, 0,
                        new Command.Put("owned", "stolen".getBytes(StandardCharsets.UTF_8), Command.Put.ANY_VERSION,
                                0, false)));
                byte[] forgedOpen = CommandCodec.encode(new Envelope(0, 0, 0, new Command.OpenSession(victim, 5_000,
                        42)));
                List<byte[]> poison = List.of(new byte[] {(byte) 0xFF}, new byte[] {1, 0, 0}, new byte[0], stolen,
                        forgedOpen, CommandCodec.encode(new Envelope(0, 0, 0, new Command.SetClusterVersion(99))));
                for (int i = 0; i < 20; i++) {
                    evil.send(endpointOf(c, leader), new Wire.ForwardProposals(poison));
                    stranger.send(endpointOf(c, leader), new Wire.ForwardProposals(poison));
                }
                // Keep the cluster busy while the frames arrive, then check that every node still serves.
                for (int round = 0; round < 5; round++) {
                    writesEverywhere(c, "after-poison-" + round);
                }
                assertEquals("mine", new String(victimNode.data().read("owned").orElseThrow().value(),
                        StandardCharsets.UTF_8), "a member cannot run a command in another member's session");
                for (Tandem t : c.nodes.values()) {
                    NodeStatus s = t.status();
                    assertEquals("RUNNING", s.phase(), t.nodeId() + " is in service");
                }
            } finally {
                evil.close();
                stranger.close();
            }
        }
    }

    @Test
    void forgedAndNonMemberRaftMessagesChangeNoTerm() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.awaitLeader(WAIT);
            writesEverywhere(c, "before");
            Map<String, Long> terms = new TreeMap<>();
            c.nodes.forEach((id, t) -> terms.put(id, t.status().term()));
            NettyTransport ghost = attacker("ghost");
            NettyTransport liar = attacker("ghost-2");
            try {
                for (int i = 1; i <= 100; i++) {
                    for (String id : c.nodes.keySet()) {
                        Endpoint to = endpointOf(c, id);
                        // A non-member leading a term far ahead, and one claiming to be member n1.
                        ghost.send(to, new Wire.TimedRaftEnvelope("127.0.0.1:1", 0, 0,
                                new Heartbeat("ghost", id, 1_000 + i, 1_000_000, i)));
                        ghost.send(to, new Wire.RaftEnvelope("127.0.0.1:1",
                                new RequestVote("ghost", id, 2_000 + i, 1_000_000, 1_000, false, false)));
                        liar.send(to, new Wire.TimedRaftEnvelope("127.0.0.1:1", 0, 0,
                                new Heartbeat(id.equals("n1") ? "n2" : "n1", id, 3_000 + i, 1_000_000, i)));
                    }
                }
                writesEverywhere(c, "after");
                for (Map.Entry<String, Tandem> e : c.nodes.entrySet()) {
                    long term = e.getValue().status().term();
                    assertTrue(term < 1_000, "node " + e.getKey() + " went from term " + terms.get(e.getKey())
                            + " to " + term + " on forged messages");
                    assertTrue(!"ghost".equals(e.getValue().status().leaderId()), "a ghost became leader");
                }
            } finally {
                ghost.close();
                liar.close();
            }
        }
    }

    @Test
    void aPoisonEntryAlreadyInEveryLogIsAppliedAsANoOpAndNodesRestart() throws Exception {
        LocalCluster c = new LocalCluster(dir, 3).startFounders();
        c.awaitLeader(WAIT);
        c.node("n1").data().write("before", "kept".getBytes(StandardCharsets.UTF_8));
        c.close();
        // The log of a cluster that accepted a poison command before this fix (or from a newer build).
        long poisonIndex = -1;
        for (String id : List.of("n1", "n2", "n3")) {
            try (SegmentedRaftLog log = SegmentedRaftLog.open(SegmentedRaftLogConfig.builder(dir.resolve(id)
                    .resolve("log")).build())) {
                long last = log.lastIndex();
                LogEntry tail = log.entries(last, last + 1, Long.MAX_VALUE).get(0);
                poisonIndex = poisonIndex < 0 ? last + 1 : Math.max(poisonIndex, last + 1);
                log.append(List.of(new LogEntry(last + 1, tail.term(), io.tandem.raft.EntryType.NORMAL.code(), tail.timestamp(),
                        new byte[] {(byte) 0xFF, 1, 2, 3})));
                log.sync().join();
            }
        }
        for (int restart = 0; restart < 2; restart++) {
            // The same LocalCluster restarts its founders on their old ports and directories.
            c.startFounders();
            try {
                c.awaitLeader(WAIT);
                writesEverywhere(c, "restart-" + restart);
                assertEquals("kept", new String(c.node("n2").data().read("before").orElseThrow().value(),
                        StandardCharsets.UTF_8));
                long applied = poisonIndex;
                LocalCluster cc = c;
                LocalCluster.await(WAIT, () -> cc.nodes.values().stream().allMatch(t -> t.status().appliedIndex()
                        > applied), "every replica past the poison entry " + poisonIndex);
            } finally {
                c.close();
            }
        }
    }
}
