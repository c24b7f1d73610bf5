package io.tandem.state;

/**
 * A command as it travels through the log: the session it belongs to, its sequence number in
 * that session, and the highest sequence number for which the sender already has its result
 * (so the state machine may forget older results — dissertation §6.3).
 *
 * @param sessionId 0 only for {@link Command.OpenSession}
 */
public record Envelope(long sessionId, long sequence, long ackedSequence, Command command) {
}
