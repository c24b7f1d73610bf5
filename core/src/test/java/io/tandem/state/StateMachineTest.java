package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StateMachineTest {

    private final StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
    private final List<WatchEvent> events = new ArrayList<>();
    private final List<String> closed = new ArrayList<>();
    private long index;
    private long seq;

    StateMachineTest() {
        sm.setListener(new StateMachine.Listener() {
            @Override
            public void onEvent(WatchEvent event) {
                events.add(event);
            }

            @Override
            public void onSessionClosed(long sessionId, String nodeId, boolean expired) {
                closed.add(nodeId + ":" + sessionId + (expired ? ":expired" : ":closed"));
            }
        });
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long open(long at, long timeoutMs) {
        CommandResult r = sm.apply(++index, at, new Envelope(0, 0, 0, new Command.OpenSession("node-a", timeoutMs, 0)));
        return ((CommandResult.SessionOpened) r).sessionId();
    }

    private CommandResult run(long session, long at, Command c) {
        return sm.apply(++index, at, new Envelope(session, ++seq, 0, c));
    }

    private static Command.Put put(String key, String value) {
        return new Command.Put(key, b(value), Command.Put.ANY_VERSION, 0, false);
    }

    @Test
    void writesCountVersionsAndRevisions() {
        long s = open(1000, 5000);
        Record r1 = ((CommandResult.Written) run(s, 1001, put("a", "1"))).record();
        Record r2 = ((CommandResult.Written) run(s, 1002, put("a", "2"))).record();
        Record other = ((CommandResult.Written) run(s, 1003, put("b", "x"))).record();
        assertEquals(1, r1.version());
        assertEquals(2, r2.version());
        assertEquals(r1.createRevision(), r2.createRevision());
        assertEquals(r1.modRevision() + 1, r2.modRevision());
        assertEquals(3, other.modRevision());
        assertEquals(3, sm.revision());
        assertArrayEquals(b("2"), sm.get("a").orElseThrow().value());
    }

    @Test
    void compareAndWriteChecksVersion() {
        long s = open(1000, 5000);
        run(s, 1001, put("a", "1"));
        CommandResult conflict = run(s, 1002, new Command.Put("a", b("x"), 5, 0, false));
        assertEquals(new CommandResult.VersionConflict("a", 5, 1), conflict);
        assertInstanceOf(CommandResult.Written.class, run(s, 1003, new Command.Put("a", b("x"), 1, 0, false)));
        assertEquals(new CommandResult.VersionConflict("a", 0, 2), run(s, 1004, new Command.Put("a", b("y"), 0, 0, false)),
                "create-only must fail on an existing key");
        assertInstanceOf(CommandResult.Written.class, run(s, 1005, new Command.Put("new", b("y"), 0, 0, false)));
    }

    @Test
    void deleteOptionallyOnVersionAndRestartsVersions() {
        long s = open(1000, 5000);
        run(s, 1001, put("a", "1"));
        assertEquals(new CommandResult.VersionConflict("a", 7, 1), run(s, 1002, new Command.Delete("a", 7)));
        CommandResult.Deleted d = (CommandResult.Deleted) run(s, 1003, new Command.Delete("a", 1));
        assertEquals("a", d.previous().key());
        assertTrue(sm.get("a").isEmpty());
        assertEquals(new CommandResult.Deleted(null), run(s, 1004, new Command.Delete("a", Command.Put.ANY_VERSION)));
        Record again = ((CommandResult.Written) run(s, 1005, put("a", "z"))).record();
        assertEquals(1, again.version(), "a key written after its delete starts again at version 1");
    }

    @Test
    void retriedCommandReturnsFirstResultAndRunsOnce() {
        long s = open(1000, 5000);
        Envelope e = new Envelope(s, 1, 0, put("a", "1"));
        CommandResult first = sm.apply(++index, 1001, e);
        CommandResult retry = sm.apply(++index, 1002, e);
        assertEquals(first, retry);
        assertEquals(1, sm.get("a").orElseThrow().version(), "the retry must not write again");
        assertEquals(1, sm.revision());
    }

    @Test
    void acknowledgedResultsAreForgottenAndLateDuplicatesRejected() {
        long s = open(1000, 5000);
        sm.apply(++index, 1001, new Envelope(s, 1, 0, put("a", "1")));
        sm.apply(++index, 1002, new Envelope(s, 2, 1, put("a", "2")));
        CommandResult late = sm.apply(++index, 1003, new Envelope(s, 1, 1, put("a", "1")));
        assertInstanceOf(CommandResult.Rejected.class, late);
        assertEquals(2, sm.get("a").orElseThrow().version());
    }

    @Test
    void sessionExpiresByEntryTimeAndReleasesEphemeralRecords() {
        long s = open(1000, 2000);
        run(s, 1500, new Command.Put("eph", b("x"), Command.Put.ANY_VERSION, 0, true));
        run(s, 1600, put("durable", "y"));
        sm.advance(++index, 3600); // deadline was 1600 + 2000
        assertTrue(sm.get("eph").isPresent(), "not yet: the deadline is inclusive");
        sm.advance(++index, 3601);
        assertTrue(sm.get("eph").isEmpty());
        assertTrue(sm.get("durable").isPresent());
        assertFalse(sm.hasSession(s));
        assertEquals(List.of("node-a:" + s + ":expired"), closed);
        assertEquals(WatchEvent.Type.EXPIRE, events.get(events.size() - 1).type());
        assertEquals(new CommandResult.SessionExpired(s), run(s, 3700, put("a", "1")),
                "a command of an expired session must not run");
    }

    @Test
    void keepAliveExtendsTheDeadline() {
        long s = open(1000, 2000);
        run(s, 2900, new Command.KeepAlive());
        sm.advance(++index, 4500);
        assertTrue(sm.hasSession(s));
        sm.advance(++index, 4901);
        assertFalse(sm.hasSession(s));
    }

    @Test
    void closeReleasesAtOnce() {
        long s = open(1000, 60_000);
        run(s, 1001, new Command.Put("eph", b("x"), Command.Put.ANY_VERSION, 0, true));
        run(s, 1002, new Command.CloseSession());
        assertTrue(sm.get("eph").isEmpty());
        assertEquals(WatchEvent.Type.DELETE, events.get(events.size() - 1).type());
        assertEquals(List.of("node-a:" + s + ":closed"), closed);
    }

    @Test
    void ttlExpiresByEntryTime() {
        long s = open(1000, 60_000);
        run(s, 1000, new Command.Put("t", b("x"), Command.Put.ANY_VERSION, 500, false));
        sm.advance(++index, 1499);
        assertTrue(sm.get("t").isPresent());
        sm.advance(++index, 1500);
        assertTrue(sm.get("t").isEmpty());
        run(s, 1600, new Command.Put("t2", b("x"), Command.Put.ANY_VERSION, 500, false));
        run(s, 1700, new Command.Put("t2", b("y"), Command.Put.ANY_VERSION, 0, false));
        sm.advance(++index, 5000);
        assertTrue(sm.get("t2").isPresent(), "an overwrite without ttl clears the old expiry");
    }

    @Test
    void invalidCommandsAreRejectedValues() {
        long s = open(1000, 60_000);
        assertInstanceOf(CommandResult.Rejected.class, run(s, 1001, put("", "x")));
        assertInstanceOf(CommandResult.Rejected.class, run(s, 1002, put("k".repeat(2000), "x")));
        assertInstanceOf(CommandResult.Rejected.class,
                run(s, 1003, new Command.Put("k", new byte[(1 << 20) + 1], -1, 0, false)));
        CommandResult tooShort = sm.apply(++index, 1004, new Envelope(0, 0, 0, new Command.OpenSession("n", 10, 0)));
        assertTrue(((CommandResult.Rejected) tooShort).reason().contains("outside"));
        assertEquals(0, sm.revision());
    }

    @Test
    void listByPrefixInKeyOrderWithLimit() {
        long s = open(1000, 60_000);
        for (String k : List.of("orders/3", "orders/1", "other", "orders/2", "ordersX")) {
            run(s, 1001, put(k, k));
        }
        List<String> keys = sm.list("orders/", 10).stream().map(Record::key).toList();
        assertEquals(List.of("orders/1", "orders/2", "orders/3"), keys);
        assertEquals(2, sm.list("orders/", 2).size());
    }

    @Test
    void watchHistoryIsBoundedAndReportsCompaction() {
        StateMachine small = new StateMachine(new StateMachine.Limits(1024, 1 << 20, 3, 1000, 1000, 60_000));
        long s = ((CommandResult.SessionOpened) small.apply(1, 1000,
                new Envelope(0, 0, 0, new Command.OpenSession("n", 5000, 0)))).sessionId();
        for (int i = 0; i < 5; i++) {
            small.apply(2 + i, 1001, new Envelope(s, i + 1, 0, put("k" + i, "v")));
        }
        assertEquals(2, small.compactedRevision());
        assertEquals(List.of(3L, 4L, 5L), small.eventsSince(3, "").stream().map(WatchEvent::revision).toList());
        assertEquals(List.of(4L), small.eventsSince(3, "k3").stream().map(WatchEvent::revision).toList());
        assertThrows(IllegalArgumentException.class, () -> small.eventsSince(2, ""));
    }

    @Test
    void snapshotRestoreGivesIdenticalBehaviour() throws IOException {
        // Seeded random workload; at a random point snapshot, restore into a fresh machine, and
        // continue both with the same commands: every result and the final state must match.
        long seed = 0xC0FFEEL;
        SplittableRandom rnd = new SplittableRandom(seed);
        StateMachine a = new StateMachine(StateMachine.Limits.DEFAULT);
        List<Envelope> script = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        long t = 1000;
        script.add(new Envelope(0, 0, 0, new Command.OpenSession("x", 3000, 0)));
        times.add(t);
        for (int i = 1; i < 400; i++) {
            t += rnd.nextInt(40);
            int k = rnd.nextInt(6);
            Command c = switch (rnd.nextInt(5)) {
                case 0 -> new Command.Delete("k" + k, rnd.nextBoolean() ? -1 : rnd.nextInt(3));
                case 1 -> new Command.Put("k" + k, b("v" + i), rnd.nextInt(3), rnd.nextInt(300), rnd.nextBoolean());
                case 2 -> new Command.KeepAlive();
                default -> new Command.Put("k" + k, b("v" + i), -1, 0, rnd.nextBoolean());
            };
            script.add(new Envelope(1, i, Math.max(0, i - 5), c));
            times.add(t);
        }
        int cut = 100 + rnd.nextInt(200);
        for (int i = 0; i < cut; i++) {
            a.apply(i + 1, times.get(i), script.get(i));
        }
        ByteArrayOutputStream snap = new ByteArrayOutputStream();
        a.snapshot(snap);
        StateMachine b = new StateMachine(StateMachine.Limits.DEFAULT);
        b.restore(new ByteArrayInputStream(snap.toByteArray()));
        for (int i = cut; i < script.size(); i++) {
            assertEquals(a.apply(i + 1, times.get(i), script.get(i)), b.apply(i + 1, times.get(i), script.get(i)),
                    "seed=" + seed + " step " + i);
        }
        ByteArrayOutputStream sa = new ByteArrayOutputStream();
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        a.snapshot(sa);
        b.snapshot(sb);
        assertArrayEquals(sa.toByteArray(), sb.toByteArray(), "seed=" + seed);
    }

    @Test
    void codecRoundTripsEveryCommand() {
        List<Command> all = List.of(new Command.OpenSession("n1", 5000, 0), new Command.KeepAlive(),
                new Command.CloseSession(), new Command.Put("k", b("v"), 3, 100, true), new Command.Delete("k", -1),
                new Command.Tick());
        for (Command c : all) {
            Envelope e = new Envelope(7, 8, 6, c);
            Envelope back = CommandCodec.decode(CommandCodec.encode(e));
            assertEquals(e.sessionId(), back.sessionId());
            assertEquals(e.sequence(), back.sequence());
            assertEquals(e.ackedSequence(), back.ackedSequence());
            assertEquals(c.getClass(), back.command().getClass());
            if (c instanceof Command.Put p) {
                assertArrayEquals(p.value(), ((Command.Put) back.command()).value());
                assertEquals(p.key(), ((Command.Put) back.command()).key());
            }
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.decode(new byte[] {9, 0}));
        assertTrue(bad.getMessage().contains("version 9"));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode(new byte[] {1, 0, 0}));
    }
}
