package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.ELECTION_TICKS;
import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.log;
import static io.tandem.raft.RaftTestCluster.sent;
import static io.tandem.raft.RaftTestCluster.sentAfterPersist;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftTestCluster.Node;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot (§7; dissertation chapter 5). */
class RaftSnapshotTest {

    private static final byte[] SNAPSHOT = bytes("state-machine-image");

    @Test
    @DisplayName("§7 compact drops the log up to the snapshot and keeps what follows")
    void compactDropsLog() {
        RaftTestCluster c = RaftTestCluster.of(3);
        Node leader = c.elect(1);
        for (int i = 0; i < 5; i++) {
            leader.core.propose(bytes("x" + i));
        }
        c.stabilize();
        assertEquals(6, leader.appliedIndex);

        SnapshotMeta meta = leader.core.snapshotMetaAt(4);
        assertEquals(new SnapshotMeta(4, 1, voters(3)), meta);
        leader.core.compact(4);

        assertEquals(4, leader.core.snapshotIndex());
        assertNull(leader.core.entryAt(4));
        assertNull(leader.core.entryAt(1));
        assertNotNull(leader.core.entryAt(5));
        assertEquals(1, leader.core.termAt(4), "the snapshot's own term stays known");
        assertEquals(-1, leader.core.termAt(3));
        assertEquals(6, leader.core.lastIndex());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> leader.core.compact(7));
        assertTrue(e.getMessage().contains("compact to 7 beyond applied 6"), e.getMessage());
        // Reference: section 7
    }

    @Test
    @DisplayName("§7 a lagging follower receives the snapshot in chunks, then the configuration it carries")
    void laggingFollowerGetsChunkedSnapshot() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.snapshotChunkBytes(4));
        Node leader = c.elect(1);
        // A configuration that differs from the bootstrap one, to see it travel with the snapshot.
        long confIndex = leader.core.proposeConfChange(ConfChange.addLearner("n4", "host4:7000"));
        c.stabilize();
        c.isolate("n3", "n4");
        for (int i = 0; i < 5; i++) {
            leader.core.propose(bytes("x" + i));
        }
        c.stabilize();
        long snapIndex = leader.appliedIndex;
        assertEquals(confIndex + 5, snapIndex);
        leader.compact(SNAPSHOT);
        leader.core.propose(bytes("after"));
        c.stabilize();

        c.heal();
        c.isolate("n4");
        Node follower = c.node(3);
        for (int i = 0; i < 5 * ELECTION_TICKS && follower.appliedIndex < snapIndex + 1; i++) {
            c.tick("n1");
        }

        // Chunks of at most 4 bytes, in order, the last one marked done.
        List<SnapshotChunk> chunks = follower.chunksReceived;
        assertEquals((SNAPSHOT.length + 3) / 4, chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            assertEquals(4L * i, chunks.get(i).offset());
            assertEquals(i == chunks.size() - 1, chunks.get(i).done());
            assertEquals(snapIndex, chunks.get(i).index());
        }
        assertArrayEquals(SNAPSHOT, follower.snapshotStore.get(snapIndex));
        // Each chunk is acknowledged only once it is durable.
        long acks = follower.readies.stream().mapToLong(rd -> sentAfterPersist(rd, InstallSnapshotResponse.class)
                .size()).sum();
        assertEquals(chunks.size(), acks);
        assertTrue(follower.readies.stream().allMatch(rd -> sent(rd, InstallSnapshotResponse.class).isEmpty()));

        // Ready.snapshot() comes with or after the last chunk, never before.
        int lastChunkReady = -1;
        int snapshotReady = -1;
        for (int i = 0; i < follower.readies.size(); i++) {
            Ready rd = follower.readies.get(i);
            if (rd.snapshotChunks().stream().anyMatch(SnapshotChunk::done)) {
                lastChunkReady = i;
            }
            if (rd.snapshot() != null) {
                snapshotReady = i;
            }
        }
        assertTrue(lastChunkReady >= 0 && snapshotReady >= lastChunkReady,
                "done chunk in Ready " + lastChunkReady + ", snapshot in Ready " + snapshotReady);

        Configuration expected = voters(3).apply(ConfChange.addLearner("n4", "host4:7000"));
        assertEquals(List.of(new SnapshotMeta(snapIndex, 1, expected)), follower.snapshotsInstalled);
        assertEquals(expected, follower.core.configuration(), "configuration restored from the snapshot");
        assertEquals(snapIndex, follower.core.snapshotIndex());
        assertEquals(List.of("after"), follower.appliedPayloads(), "entries after the snapshot are applied on top");
        assertEquals(snapIndex + 1, leader.core.matchIndex("n3"));
        // Reference: section 7, Figure 13
    }

    @Test
    @DisplayName("§7 a lost chunk is sent again, and the follower still assembles the exact snapshot")
    void lostChunkIsResent() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.snapshotChunkBytes(4));
        Node leader = c.elect(1);
        c.isolate("n3");
        for (int i = 0; i < 3; i++) {
            leader.core.propose(bytes("x" + i));
        }
        c.stabilize();
        long snapIndex = leader.appliedIndex;
        leader.compact(SNAPSHOT);
        c.heal();
        boolean[] droppedOnce = {false};
        c.drop(m -> {
            if (m instanceof InstallSnapshot is && is.offset() == 8 && !droppedOnce[0]) {
                droppedOnce[0] = true;
                return true;
            }
            return false;
        });

        Node follower = c.node(3);
        for (int i = 0; i < 5 * ELECTION_TICKS && follower.core.snapshotIndex() < snapIndex; i++) {
            c.tick("n1");
        }

        assertTrue(droppedOnce[0], "the scenario did not drop a chunk");
        assertEquals(snapIndex, follower.core.snapshotIndex());
        assertArrayEquals(SNAPSHOT, follower.snapshotStore.get(snapIndex));
        assertEquals(snapIndex, leader.core.matchIndex("n3"));
        // Reference: section 7
    }

    @Test
    @DisplayName("§7 a snapshot whose last entry the follower holds keeps the entries after it")
    void snapshotKeepsMatchingSuffix() {
        Node n = new Node(config("n2").build(), 2, new HardState(1, null), new SnapshotMeta(0, 0, voters(3)),
                log(1, 1, 1, 1));
        n.core.step(new InstallSnapshot("n1", "n2", 1, 2, 1, voters(3).encode(), 0, SNAPSHOT, true));

        Ready rd = n.handle();
        assertEquals(new SnapshotMeta(2, 1, voters(3)), rd.snapshot());
        assertEquals(List.of(new InstallSnapshotResponse("n2", "n1", 1, 2, SNAPSHOT.length, true)),
                rd.persistedMessages());
        assertEquals(2, n.core.snapshotIndex());
        assertEquals(4, n.core.lastIndex(), "entries 3 and 4 follow the snapshot and stay");
        assertEquals(2, n.core.commitIndex());
        // Reference: section 7 ("retain the entries following it")
    }

    @Test
    @DisplayName("§7 a snapshot that conflicts with the follower's log replaces the whole log")
    void snapshotDiscardsConflictingLog() {
        Node n = new Node(config("n2").build(), 2, new HardState(2, null), new SnapshotMeta(0, 0, voters(3)),
                log(1, 1, 1, 1));
        n.core.step(new InstallSnapshot("n1", "n2", 2, 3, 2, voters(3).encode(), 0, SNAPSHOT, true));

        n.handle();
        assertEquals(3, n.core.snapshotIndex());
        assertEquals(3, n.core.lastIndex());
        assertEquals(2, n.core.lastTerm());
        assertEquals(3, n.core.durableIndex(), "the snapshot itself is the durable log now");
        assertTrue(n.stableLog.isEmpty());
        // Reference: section 7 ("the follower discards its entire log")
    }

    @Test
    @DisplayName("§7 a follower ignores a snapshot it already covers, and asks again for chunks it missed")
    void staleAndOutOfOrderChunks() {
        Node n = new Node(config("n2").build(), 2, new HardState(1, null), new SnapshotMeta(0, 0, voters(3)),
                log(1, 1, 1));
        n.core.step(new AppendEntries("n1", "n2", 1, 3, 1, List.of(), 3));
        n.handleAll();
        assertEquals(3, n.core.commitIndex());

        n.core.step(new InstallSnapshot("n1", "n2", 1, 2, 1, voters(3).encode(), 0, SNAPSHOT, true));
        Ready rd = n.handle();
        assertNull(rd.snapshot(), "index 2 is already committed here");
        assertTrue(rd.snapshotChunks().isEmpty());
        assertEquals(List.of(new InstallSnapshotResponse("n2", "n1", 1, 2, 0, true)), rd.persistedMessages());

        // A chunk from the middle of a transfer we never started: ask for offset 0.
        n.core.step(new InstallSnapshot("n1", "n2", 1, 9, 1, voters(3).encode(), 8, SNAPSHOT, false));
        rd = n.handle();
        assertTrue(rd.snapshotChunks().isEmpty());
        assertEquals(List.of(new InstallSnapshotResponse("n2", "n1", 1, 9, 0, false)), rd.persistedMessages());
        // Reference: section 7
    }
}
