package io.tandem.raft;

/**
 * RequestVote (§5.2) or, with {@code preVote}, the PreVote probe (dissertation §9.6) that asks
 * "would you vote for me in {@code term}?" without anyone changing term.
 *
 * @param transfer set when the candidate campaigns because the leader told it to
 *                 ({@link TimeoutNow}); voters then ignore leader stickiness (§3.10)
 */
public record RequestVote(String from, String to, long term, long lastLogIndex, long lastLogTerm,
                          boolean preVote, boolean transfer) implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.REQUEST_VOTE;
    }
}
