package io.tandem.node;

import io.tandem.state.LockKind;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskEvents;
import io.tandem.state.WatchEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes every state-machine event to each registered listener, in registration order: the
 * state machine takes one listener, the node's components (locks, leaders, tasks, watches) each
 * register their own.
 *
 * <p><b>Threads.</b> Loop thread only: events arrive during apply, and listeners are added on the
 * loop (or before it starts). Listeners must only hand work off, never block or run user code.
 */
final class StateListeners implements StateMachine.Listener {

    private final List<StateMachine.Listener> listeners = new ArrayList<>();

    void add(StateMachine.Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void onEvent(WatchEvent event) {
        for (StateMachine.Listener l : listeners) {
            l.onEvent(event);
        }
    }

    @Override
    public void onSessionClosed(long id, String nodeId, boolean expired) {
        for (StateMachine.Listener l : listeners) {
            l.onSessionClosed(id, nodeId, expired);
        }
    }

    @Override
    public void onLockGranted(LockKind kind, String name, long session, String nodeId, long owner, long token) {
        for (StateMachine.Listener l : listeners) {
            l.onLockGranted(kind, name, session, nodeId, owner, token);
        }
    }

    @Override
    public void onLockWaitExpired(LockKind kind, String name, long session, long owner) {
        for (StateMachine.Listener l : listeners) {
            l.onLockWaitExpired(kind, name, session, owner);
        }
    }

    @Override
    public void onLockReleased(LockKind kind, String name, long session, long owner, long token, String why) {
        for (StateMachine.Listener l : listeners) {
            l.onLockReleased(kind, name, session, owner, token, why);
        }
    }

    @Override
    public void onTaskAssigned(TaskEvents.Assigned a) {
        for (StateMachine.Listener l : listeners) {
            l.onTaskAssigned(a);
        }
    }

    @Override
    public void onTaskClaimLost(TaskEvents.ClaimLost c) {
        for (StateMachine.Listener l : listeners) {
            l.onTaskClaimLost(c);
        }
    }

    @Override
    public void onTaskFinished(TaskEvents.Finished f) {
        for (StateMachine.Listener l : listeners) {
            l.onTaskFinished(f);
        }
    }

    @Override
    public void onScheduleFired(TaskEvents.Fired f) {
        for (StateMachine.Listener l : listeners) {
            l.onScheduleFired(f);
        }
    }

    @Override
    public void onRestored() {
        for (StateMachine.Listener l : listeners) {
            l.onRestored();
        }
    }
}
