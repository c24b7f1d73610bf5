package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Payloads a build cannot apply (corrupt, unknown, too new) are deterministic no-ops with an error
 * result, and never throw out of {@link StateMachine#applyPayload}; the cluster version only rises
 * and survives snapshots (issue #24, item 1).
 */
class PoisonCommandTest {

    private static byte[] snapshot(StateMachine sm) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.snapshot(out);
        return out.toByteArray();
    }

    private static byte[] put(long session, long seq, String key) {
        return CommandCodec.encode(new Envelope(session, seq, 0, new Command.Put(key,
                key.getBytes(StandardCharsets.UTF_8), Command.Put.ANY_VERSION, 0, false)));
    }

    @Test
    void randomPayloadsNeverThrowAndLeaveReplicasIdentical() throws IOException {
        long seed = Long.getLong("tandem.seed", new SplittableRandom().nextLong()); // replay: -Dtandem.seed=N
        SplittableRandom random = new SplittableRandom(seed);
        StateMachine a = new StateMachine(StateMachine.Limits.DEFAULT);
        StateMachine b = new StateMachine(StateMachine.Limits.DEFAULT);
        byte[] open = CommandCodec.encode(new Envelope(0, 0, 0, new Command.OpenSession("n1", 60_000, 1)));
        a.applyPayload(1, 1_000, open, CommandLevels.CURRENT);
        b.applyPayload(1, 1_000, open, CommandLevels.CURRENT);
        for (long i = 2; i < 3_000; i++) {
            byte[] payload;
            if (random.nextInt(3) == 0) {
                payload = put(1, i, "k" + random.nextInt(50));
            } else {
                payload = new byte[random.nextInt(40)];
                random.nextBytes(payload);
                if (payload.length > 0 && random.nextBoolean()) {
                    payload[0] = 1; // a valid format byte, so the garbage reaches the command decoder
                }
            }
            StateMachine.Applied x = a.applyPayload(i, 1_000 + i, payload, CommandLevels.CURRENT);
            StateMachine.Applied y = b.applyPayload(i, 1_000 + i, payload, CommandLevels.CURRENT);
            assertEquals(x.result(), y.result(), "seed " + seed + " index " + i);
        }
        assertArrayEquals(snapshot(a), snapshot(b), "replicas diverged; seed " + seed);
        assertEquals(a.revision(), b.revision());
    }

    @Test
    void anUndecodableEntryIsANoOpThatStillLetsTimePassAndNamesItsIndex() {
        StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
        sm.applyPayload(1, 1_000, CommandCodec.encode(new Envelope(0, 0, 0, new Command.OpenSession("n1", 1_000, 1))),
                CommandLevels.CURRENT);
        StateMachine.Applied poison = sm.applyPayload(2, 1_500, new byte[] {(byte) 0xFF}, CommandLevels.CURRENT);
        assertNull(poison.envelope());
        CommandResult.Rejected r = assertInstanceOf(CommandResult.Rejected.class, poison.result());
        assertTrue(r.reason().contains("entry 2"), r.reason());
        assertEquals(1, sm.sessionCount(), "the session is still live at 1,500 ms");
        // Time passes through the poison entry: the session (timeout 1 s) expires at 2,600 ms.
        sm.applyPayload(3, 2_600, new byte[] {1, 2, 3}, CommandLevels.CURRENT);
        assertEquals(0, sm.sessionCount(), "a no-op entry still advances time");
    }

    @Test
    void theHeaderOfAnUndecodableCommandStillNamesItsSession() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeLong(7);
        out.writeLong(9);
        out.writeLong(0);
        out.writeByte(127); // no such command
        StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
        StateMachine.Applied a = sm.applyPayload(1, 1, bytes.toByteArray(), CommandLevels.CURRENT);
        assertEquals(7, a.sessionId());
        assertEquals(9, a.sequence());
        assertTrue(((CommandResult.Rejected) a.result()).reason().contains("unknown command code 127"));
    }

    @Test
    void decodeRefusesKindsAboveTheGivenLevelAndTrailingBytes() {
        byte[] tick = CommandCodec.encode(new Envelope(1, 1, 0, new Command.Tick()));
        IllegalArgumentException tooNew = assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.decode(tick, CommandLevels.BASE - 1));
        assertTrue(tooNew.getMessage().contains("needs command level " + CommandLevels.BASE), tooNew.getMessage());
        byte[] longer = java.util.Arrays.copyOf(tick, tick.length + 1);
        IllegalArgumentException trailing = assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.decode(longer));
        assertTrue(trailing.getMessage().contains("1 unexpected bytes"), trailing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode(new byte[0]));
    }

    @Test
    void clusterVersionOnlyRisesAndSurvivesSnapshots() throws IOException {
        StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
        assertEquals(CommandLevels.BASE, sm.clusterVersion());
        sm.applyPayload(1, 1, CommandCodec.encode(new Envelope(0, 0, 0, new Command.SetClusterVersion(3))),
                CommandLevels.CURRENT);
        sm.applyPayload(2, 2, CommandCodec.encode(new Envelope(0, 0, 0, new Command.SetClusterVersion(2))),
                CommandLevels.CURRENT);
        assertEquals(3, sm.clusterVersion(), "never lowered");
        StateMachine copy = new StateMachine(StateMachine.Limits.DEFAULT);
        copy.restore(new ByteArrayInputStream(snapshot(sm)));
        assertEquals(3, copy.clusterVersion());
    }

    @Test
    void aVersionOneSnapshotRestoresAtTheBaseLevel() throws IOException {
        StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
        sm.applyPayload(1, 1, CommandCodec.encode(new Envelope(0, 0, 0, new Command.OpenSession("n1", 5_000, 1))),
                CommandLevels.CURRENT);
        sm.applyPayload(2, 2, put(1, 1, "k"), CommandLevels.CURRENT);
        byte[] v2 = snapshot(sm);
        // A version-1 snapshot is the version-2 one without the trailing cluster version.
        byte[] v1 = java.util.Arrays.copyOf(v2, v2.length - Integer.BYTES);
        v1[0] = 1;
        StateMachine old = new StateMachine(StateMachine.Limits.DEFAULT);
        old.restore(new ByteArrayInputStream(v1));
        assertEquals(CommandLevels.BASE, old.clusterVersion());
        assertEquals("k", old.get("k").orElseThrow().key());
    }

    @Test
    void precheckNamesWhatIsWrongBeforeAnythingIsProposed() {
        StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
        assertNull(sm.precheck(new Envelope(1, 1, 0, new Command.Put("k", new byte[1], -1, 0, false))));
        assertTrue(sm.precheck(new Envelope(1, 1, 0, new Command.Put("", new byte[1], -1, 0, false)))
                .contains("non-empty"));
        assertTrue(sm.precheck(new Envelope(1, 1, 0, new Command.Put("k", new byte[2 << 20], -1, 0, false)))
                .contains("exceeds the limit"));
        assertTrue(sm.precheck(new Envelope(1, 1, 0, new Command.Put("k", new byte[1], -1, -5, false)))
                .contains("ttl"));
        assertTrue(sm.precheck(new Envelope(0, 0, 0, new Command.Tick())).contains("without a session"));
        assertTrue(sm.precheck(new Envelope(5, 0, 0, new Command.OpenSession("n1", 1000, 1)))
                .contains("without a session"));
    }
}
