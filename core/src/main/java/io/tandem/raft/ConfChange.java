package io.tandem.raft;

import java.util.Objects;

/**
 * A single-server membership change (dissertation §4.1): each changes the voter set by at most
 * one member, so any two consecutive majorities overlap.
 *
 * @param address the member's advertised endpoint ({@code host:port}); required for
 *                {@link Type#ADD_LEARNER}, ignored otherwise
 */
public record ConfChange(Type type, String nodeId, String address) {

    public enum Type {
        /** Add a non-voting member that receives the log and may later be promoted. */
        ADD_LEARNER,
        /** Turn a caught-up learner into a voter. */
        PROMOTE,
        /** Remove a voter or a learner. */
        REMOVE
    }

    public ConfChange {
        Objects.requireNonNull(type, "type");
        if (nodeId == null || nodeId.isEmpty()) {
            throw new IllegalArgumentException("ConfChange " + type + " needs a non-empty nodeId");
        }
        if (type == Type.ADD_LEARNER && (address == null || address.isEmpty())) {
            throw new IllegalArgumentException("ConfChange ADD_LEARNER " + nodeId + " needs the member's address (host:port)");
        }
    }

    public static ConfChange addLearner(String nodeId, String address) {
        return new ConfChange(Type.ADD_LEARNER, nodeId, address);
    }

    public static ConfChange promote(String nodeId) {
        return new ConfChange(Type.PROMOTE, nodeId, null);
    }

    public static ConfChange remove(String nodeId) {
        return new ConfChange(Type.REMOVE, nodeId, null);
    }
}
