package io.tandem.task;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What a handler gets for one attempt of one task. The handler runs on its registration's own
 * thread; {@link #isClaimLost()} turns true when the cluster took the task back (lease expired,
 * session lost): a result returned after that is discarded, and the task runs elsewhere.
 */
public interface TaskContext {

    long taskId();

    String queue();

    String name();

    /** The submitted bytes (shared: do not modify). */
    byte[] payload();

    default String payloadAsString() {
        return new String(payload(), StandardCharsets.UTF_8);
    }

    /** 1 for the first run; greater on retries and re-deliveries. */
    int attempt();

    /** The claim's fencing token: pass it to external systems to refuse a stale worker's writes. */
    long fencingToken();

    /** When this attempt is abandoned (the handler timeout of the registration), by this node's clock. */
    Instant deadline();

    boolean isClaimLost();
}
