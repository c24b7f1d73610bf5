package io.tandem.state;

import java.util.List;

/**
 * One lock as the state machine holds it: the holding session (0 when free), its fencing token,
 * when a maximum hold time ends it (0 for none), and the waiting sessions in FIFO order.
 */
public record LockInfo(String name, long holderSession, long token, long holdDeadlineMs, List<Long> waiters) {

    public LockInfo {
        waiters = List.copyOf(waiters);
    }
}
