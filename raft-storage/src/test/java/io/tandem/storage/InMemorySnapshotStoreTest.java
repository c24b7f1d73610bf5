package io.tandem.storage;

class InMemorySnapshotStoreTest extends SnapshotStoreContractTest {

    @Override
    protected SnapshotStore newStore() {
        return new InMemorySnapshotStore(RETAIN);
    }
}
