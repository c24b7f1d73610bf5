package io.tandem.raft;

/**
 * Fail-fast checks for programmer errors inside the core. A broken invariant means the node's
 * state can no longer be trusted, so it throws {@link IllegalStateException} and is never
 * recovered from (TigerBeetle's "assert everything" habit).
 */
final class Invariants {

    private Invariants() {
    }

    static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException(String.format(format, args));
        }
    }
}
