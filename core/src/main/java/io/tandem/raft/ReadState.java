package io.tandem.raft;

/**
 * The answer to a {@code readIndex(context)} request: once the local state machine has applied
 * {@code index}, a read started before the request may be served linearizably (§6.4).
 */
public record ReadState(long context, long index) {
}
