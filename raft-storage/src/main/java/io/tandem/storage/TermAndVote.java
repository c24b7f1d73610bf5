package io.tandem.storage;

import java.nio.charset.StandardCharsets;

/**
 * The state Raft must keep durable besides the log (§5.1, Figure 2): the current term and the
 * candidate voted for in it. Storage attaches no meaning to either.
 *
 * @param currentTerm {@code >= 0}
 * @param votedFor node id voted for in {@code currentTerm}, or {@code null} for none; at most
 *     {@value #MAX_VOTED_FOR_BYTES} bytes in UTF-8
 */
public record TermAndVote(long currentTerm, String votedFor) {

    /** The state of a node that never saved anything. */
    public static final TermAndVote INITIAL = new TermAndVote(0, null);

    /** Largest node id accepted, in UTF-8 bytes. */
    public static final int MAX_VOTED_FOR_BYTES = 1024;

    /** Validates the fields. */
    public TermAndVote {
        if (currentTerm < 0) {
            throw new IllegalArgumentException("currentTerm (" + currentTerm + ") must be >= 0");
        }
        if (votedFor != null && votedFor.getBytes(StandardCharsets.UTF_8).length > MAX_VOTED_FOR_BYTES) {
            throw new IllegalArgumentException("votedFor is " + votedFor.getBytes(StandardCharsets.UTF_8).length
                    + " bytes in UTF-8, above " + MAX_VOTED_FOR_BYTES);
        }
    }
}
