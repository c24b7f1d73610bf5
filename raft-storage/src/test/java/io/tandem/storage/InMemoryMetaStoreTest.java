package io.tandem.storage;

class InMemoryMetaStoreTest extends MetaStoreContractTest {

    @Override
    protected MetaStore newStore() {
        return new InMemoryMetaStore();
    }
}
