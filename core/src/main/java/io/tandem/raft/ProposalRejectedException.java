package io.tandem.raft;

import io.tandem.TandemException;

/** The leader refused a proposal: too much uncommitted work, a transfer in progress, an invalid change. */
public class ProposalRejectedException extends TandemException {

    public ProposalRejectedException(String message) {
        super(message);
    }
}
