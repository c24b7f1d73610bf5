package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The oracle's window reservations in the state machine, their codec and the snapshot's time section. */
class TimestampWindowTest {

    private final StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
    private long index;

    private long open() {
        CommandResult r = sm.apply(++index, 1000, new Envelope(0, 0, 0, new Command.OpenSession("n1", 5000, 1)));
        return ((CommandResult.SessionOpened) r).sessionId();
    }

    private CommandResult.TimestampWindow reserve(long session, long seq, long upTo) {
        return (CommandResult.TimestampWindow) sm.apply(++index, 1000, new Envelope(session, seq, 0,
                new Command.ReserveTimestampWindow(upTo)));
    }

    @Test
    void windowsAreDisjointAndIncreasingAndALowerAskGetsNothing() throws Exception {
        long s = open();
        assertEquals(new CommandResult.TimestampWindow(1, 100), reserve(s, 1, 100));
        assertEquals(new CommandResult.TimestampWindow(101, 250), reserve(s, 2, 250));
        CommandResult.TimestampWindow low = reserve(s, 3, 200); // an old leader's late reservation
        assertTrue(low.isEmpty());
        assertEquals(251, low.from());
        assertEquals(250, sm.timestampWindowMax());
        assertEquals(new CommandResult.TimestampWindow(101, 250), reserve(s, 2, 250), "a retry answers as the first time");

        ByteArrayOutputStream snap = new ByteArrayOutputStream();
        sm.snapshot(snap);
        StateMachine restored = new StateMachine(StateMachine.Limits.DEFAULT);
        restored.restore(new ByteArrayInputStream(snap.toByteArray()));
        assertEquals(250, restored.timestampWindowMax(), "the time section survives a snapshot");
        CommandResult again = restored.apply(index + 1, 1000, new Envelope(s, 2, 0,
                new Command.ReserveTimestampWindow(250)));
        assertEquals(new CommandResult.TimestampWindow(101, 250), again, "cached results survive too");
    }

    @Test
    void codecRoundTrips() {
        Envelope e = new Envelope(7, 8, 6, new Command.ReserveTimestampWindow(123_456_789L << 16));
        assertEquals(e, CommandCodec.decode(CommandCodec.encode(e)));
    }
}
