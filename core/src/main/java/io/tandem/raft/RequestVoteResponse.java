package io.tandem.raft;

/** The answer to {@link RequestVote}; for a granted PreVote {@code term} echoes the probed term. */
public record RequestVoteResponse(String from, String to, long term, boolean preVote, boolean granted)
        implements Message {
    @Override
    public MessageKind kind() {
        return MessageKind.REQUEST_VOTE_RESPONSE;
    }
}
