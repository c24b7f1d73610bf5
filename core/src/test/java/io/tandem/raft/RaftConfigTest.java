package io.tandem.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RaftConfigTest {

    @Test
    @DisplayName("defaults are valid and documented")
    void defaults() {
        RaftConfig c = RaftConfig.builder("n1").build();
        assertEquals("n1", c.nodeId());
        assertEquals(10, c.electionTimeoutTicks());
        assertEquals(1, c.heartbeatTicks());
        assertTrue(c.preVote());
        assertTrue(c.checkQuorum());
        assertFalse(c.leaseReads());
        assertEquals(256, c.maxInflightMessages());
        assertEquals(1 << 20, c.maxBytesPerAppend());
        assertEquals(32L << 20, c.maxInflightBytes());
        assertEquals(1 << 20, c.snapshotChunkBytes());
        assertEquals(100_000, c.maxUncommittedEntries());
        assertEquals(16L << 20, c.maxApplyBatchBytes());
        assertEquals(1_000, c.learnerCatchUpMaxLagEntries());
        for (RaftConfig.InjectedBug bug : RaftConfig.InjectedBug.values()) {
            assertFalse(c.hasBug(bug));
        }
    }

    @Test
    @DisplayName("toBuilder copies every setting")
    void toBuilderCopies() {
        RaftConfig c = RaftConfig.builder("n1").electionTimeoutTicks(20).heartbeatTicks(3).preVote(false)
                .checkQuorum(true).leaseReads(true).maxInflightMessages(7).maxBytesPerAppend(100)
                .maxInflightBytes(1000).snapshotChunkBytes(9).maxUncommittedEntries(11).maxApplyBatchBytes(13)
                .learnerCatchUpMaxLagEntries(17).injectBugForTesting(RaftConfig.InjectedBug.ACK_BEFORE_PERSIST)
                .build();
        RaftConfig d = c.toBuilder().build();
        assertEquals(20, d.electionTimeoutTicks());
        assertEquals(3, d.heartbeatTicks());
        assertFalse(d.preVote());
        assertTrue(d.checkQuorum());
        assertTrue(d.leaseReads());
        assertEquals(7, d.maxInflightMessages());
        assertEquals(100, d.maxBytesPerAppend());
        assertEquals(1000, d.maxInflightBytes());
        assertEquals(9, d.snapshotChunkBytes());
        assertEquals(11, d.maxUncommittedEntries());
        assertEquals(13, d.maxApplyBatchBytes());
        assertEquals(17, d.learnerCatchUpMaxLagEntries());
        assertTrue(d.hasBug(RaftConfig.InjectedBug.ACK_BEFORE_PERSIST));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.electionTimeoutTicks(1),
                        "electionTimeoutTicks (1) must be >= 2"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.heartbeatTicks(0),
                        "heartbeatTicks (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.heartbeatTicks(10),
                        "heartbeatTicks (10) must be < electionTimeoutTicks (10)"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.maxInflightMessages(0),
                        "maxInflightMessages (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.maxBytesPerAppend(0),
                        "maxBytesPerAppend (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.maxBytesPerAppend(100).maxInflightBytes(99),
                        "maxInflightBytes (99) must be >= maxBytesPerAppend (100)"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.snapshotChunkBytes(0),
                        "snapshotChunkBytes (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.maxUncommittedEntries(0),
                        "maxUncommittedEntries (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.maxApplyBatchBytes(0),
                        "maxApplyBatchBytes (0) must be >= 1"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.learnerCatchUpMaxLagEntries(-1),
                        "learnerCatchUpMaxLagEntries must be >= 0"),
                Arguments.of((UnaryOperator<RaftConfig.Builder>) b -> b.checkQuorum(false).leaseReads(true),
                        "leaseReads requires checkQuorum: without it a deposed leader could keep serving reads;"
                                + " enable checkQuorum or disable leaseReads"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    @DisplayName("build() rejects invalid settings with a message that says what to fix")
    void validation(UnaryOperator<RaftConfig.Builder> tweak, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tweak.apply(RaftConfig.builder("n1")).build());
        assertEquals(message, e.getMessage());
    }

    @Test
    @DisplayName("a node id is required")
    void nodeIdRequired() {
        assertEquals("nodeId must be a non-empty string",
                assertThrows(IllegalArgumentException.class, () -> RaftConfig.builder("").build()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RaftConfig.builder(null).build());
        assertThrows(NullPointerException.class, () -> RaftConfig.builder("n1").injectBugForTesting(null));
    }
}
