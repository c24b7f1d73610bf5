package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SessionLeaseTest {

    private static final long MS = 1_000_000;

    @Test
    void theLeaseIsMeasuredFromWhenTheConfirmedCommandWasFirstSentNotWhenItsAnswerArrived() {
        SessionLease lease = new SessionLease(5000, 1000);
        lease.opened(0);
        assertEquals(4000 * MS, lease.validUntilNanos());
        // A keep-alive left at 1 s; its answer arrived 3 s later (slow network, or a GC pause):
        // the lease runs from 1 s, not from 4 s.
        lease.confirmed(1000 * MS);
        assertEquals(5000 * MS, lease.validUntilNanos());
        assertTrue(lease.isValid(4999 * MS));
        assertFalse(lease.isValid(5000 * MS));
    }

    @Test
    void anOlderConfirmationNeverShortensOrExtendsTheLeaseBackwards() {
        SessionLease lease = new SessionLease(5000, 1000);
        lease.opened(0);
        lease.confirmed(2000 * MS);
        lease.confirmed(1500 * MS); // an earlier command answered late
        assertEquals(6000 * MS, lease.validUntilNanos());
    }

    @Test
    void aLeaseIsNeverValidBeforeTheSessionOpens() {
        SessionLease lease = new SessionLease(5000, 1000);
        assertFalse(lease.isValid(0));
        lease.confirmed(100 * MS);
        assertFalse(lease.isValid(0));
    }

    @Test
    void theMarginMustBePositiveAndBelowTheTimeout() {
        assertThrows(IllegalArgumentException.class, () -> new SessionLease(5000, 0));
        assertThrows(IllegalArgumentException.class, () -> new SessionLease(5000, 5000));
    }
}
