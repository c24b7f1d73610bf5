package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.bytes;
import static io.tandem.raft.RaftTestCluster.config;
import static io.tandem.raft.RaftTestCluster.sent;
import static io.tandem.raft.RaftTestCluster.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.raft.RaftTestCluster.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Ready protocol and the bounds of {@link RaftCore}, outside the paper's rules. */
class RaftCoreTest {

    @Test
    @DisplayName("ready() twice without advance() is a programmer error")
    void readyTwiceFails() {
        RaftCore core = Node.fresh(config("n1").build(), 1, voters(3)).core;
        core.ready();
        IllegalStateException e = assertThrows(IllegalStateException.class, core::ready);
        assertEquals("node n1: ready() called twice without advance()", e.getMessage());
    }

    @Test
    @DisplayName("a fresh follower has nothing to do; a message addressed to another node is dropped")
    void quietAndMisaddressed() {
        Node n = Node.fresh(config("n1").build(), 1, voters(3));
        assertFalse(n.core.hasReady());
        n.core.step(new Heartbeat("n2", "n3", 5, 0, 1));
        assertFalse(n.core.hasReady());
        assertEquals(0, n.core.term());
    }

    @Test
    @DisplayName("§5.3 an entry replaced by a step between ready() and advance() is still handed out to persist")
    void replacementBetweenReadyAndAdvance() {
        RaftCore core = Node.fresh(config("n2").build(), 2, voters(3)).core;
        Entry e1 = new Entry(1, 1, EntryType.NORMAL, 0, bytes("a"));
        Entry e2 = new Entry(2, 1, EntryType.NORMAL, 0, bytes("b"));
        core.step(new AppendEntries("n1", "n2", 1, 0, 0, List.of(e1, e2), 0));
        Ready rd = core.ready();
        assertEquals(List.of(e1, e2), rd.entries());

        // The runtime is still writing rd when a new leader replaces index 2 (etcd's node loop
        // steps messages between Ready and Advance the same way).
        Entry replacement = new Entry(2, 2, EntryType.NOOP, 0, null);
        core.step(new AppendEntries("n3", "n2", 2, 1, 1, List.of(replacement), 0));
        core.advance(rd);

        Ready next = core.ready();
        assertTrue(next.entries().contains(replacement), "the replacement was never handed out: " + next.entries());
        assertEquals(List.of(new AppendEntriesResponse("n2", "n3", 2, true, 2, 0, 0, 2)), next.persistedMessages());
    }

    @Test
    @DisplayName("the leader rejects proposals beyond maxUncommittedEntries and accepts them once entries commit")
    void uncommittedLimit() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.maxUncommittedEntries(3));
        Node leader = c.elect(1);
        c.isolate("n2", "n3");
        leader.core.propose(List.of(bytes("a"), bytes("b")));
        ProposalRejectedException e = assertThrows(ProposalRejectedException.class,
                () -> leader.core.propose(List.of(bytes("c"), bytes("d"))));
        assertTrue(e.getMessage().contains("2 entries are appended but not committed (limit maxUncommittedEntries=3)"),
                e.getMessage());
        leader.core.propose(bytes("c"));
        assertEquals(4, leader.core.lastIndex());

        c.heal();
        for (int i = 0; i < 5 && leader.core.commitIndex() < 4; i++) {
            c.tick("n1");
        }
        assertEquals(4, leader.core.commitIndex());
        leader.core.propose(bytes("d"));
    }

    @Test
    @DisplayName("committed entries are handed out in batches of at most maxApplyBatchBytes (at least one entry)")
    void applyBatches() {
        RaftTestCluster c = RaftTestCluster.of(1, b -> b.maxApplyBatchBytes(300));
        Node leader = c.elect(1);
        List<byte[]> payloads = new ArrayList<>(Collections.nCopies(5, new byte[100]));
        leader.core.propose(payloads);
        c.stabilize();

        assertEquals(6, leader.appliedIndex);
        for (Ready rd : leader.readies) {
            long bytes = rd.committedEntries().stream().mapToLong(Entry::sizeBytes).sum();
            assertTrue(rd.committedEntries().size() <= 1 || bytes <= 300, "batch of " + bytes + " bytes");
        }
        assertTrue(leader.readies.stream().filter(rd -> !rd.committedEntries().isEmpty()).count() >= 3);
    }

    @Test
    @DisplayName("pipelining is bounded by maxInflightMessages per follower")
    void inflightLimit() {
        RaftTestCluster c = RaftTestCluster.of(3, b -> b.maxInflightMessages(2).maxBytesPerAppend(1));
        Node leader = c.elect(1);
        for (int i = 0; i < 5; i++) {
            leader.core.propose(bytes("x" + i));
        }
        Ready rd = leader.handle();
        List<AppendEntries> toN2 = sent(rd, AppendEntries.class).stream().filter(m -> m.to().equals("n2")).toList();
        assertEquals(2, toN2.size(), "only two appends in flight");
        toN2.forEach(ae -> assertEquals(1, ae.entries().size()));

        leader.core.step(new AppendEntriesResponse("n2", "n1", 1, true, 2, 0, 0, 2));
        rd = leader.handle();
        assertEquals(1, sent(rd, AppendEntries.class).stream().filter(m -> m.to().equals("n2")).count(),
                "one acknowledgement frees one slot");
        c.stabilize();
        assertEquals(6, leader.core.commitIndex());
    }

    @Test
    @DisplayName("entry stamps never decrease, whatever the stamp clock does")
    void stampsNonDecreasing() {
        long[] clock = {1000};
        SplittableRandom jumps = new SplittableRandom(9);
        RaftCore core = new RaftCore(config("n1").build(), new SplittableRandom(1),
                () -> clock[0] += jumps.nextLong(-300, 300), SnapshotSource.NONE, HardState.INITIAL,
                new SnapshotMeta(0, 0, voters(1)), List.of());
        while (!core.isLeader()) {
            core.tick();
        }
        for (int i = 0; i < 200; i++) {
            core.propose(bytes("x"));
        }
        long last = Long.MIN_VALUE;
        for (long i = 1; i <= core.lastIndex(); i++) {
            long ts = core.entryAt(i).timestamp();
            assertTrue(ts >= last, "index " + i + ": stamp " + ts + " after " + last);
            last = ts;
        }
    }
}
