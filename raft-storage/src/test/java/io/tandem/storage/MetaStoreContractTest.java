package io.tandem.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link MetaStore} contract, run against every implementation. */
abstract class MetaStoreContractTest {

    protected MetaStore store;

    protected abstract MetaStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void startsAtTheInitialState() {
        assertEquals(TermAndVote.INITIAL, store.load());
    }

    @Test
    void savedStateIsLoaded() {
        store.save(new TermAndVote(3, "orders-1"));
        assertEquals(new TermAndVote(3, "orders-1"), store.load());
        store.save(new TermAndVote(4, null));
        assertEquals(new TermAndVote(4, null), store.load());
    }

    @Test
    void invalidStateIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TermAndVote(-1, null));
        assertThrows(IllegalArgumentException.class, () -> new TermAndVote(1, "x".repeat(1025)));
        assertThrows(NullPointerException.class, () -> store.save(null));
    }

    @Test
    void closedStoreRefusesCalls() {
        store.close();
        assertThrows(StorageClosedException.class, () -> store.load());
        assertThrows(StorageClosedException.class, () -> store.save(TermAndVote.INITIAL));
    }
}
