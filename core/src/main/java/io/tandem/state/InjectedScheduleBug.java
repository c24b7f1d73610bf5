package io.tandem.state;

/**
 * Deliberate schedule bugs for tests only ({@link StateMachine#injectScheduleBugForTesting}):
 * the simulator must catch each of them, or its checks prove nothing.
 */
public enum InjectedScheduleBug {
    /** Decide cron slots from the replica's local clock instead of the entry's timestamp. */
    FIRE_FROM_LOCAL_CLOCK,
    /** Fire a cron slot without recording it as the last slot fired in the replicated state. */
    SLOT_NOT_RECORDED
}
