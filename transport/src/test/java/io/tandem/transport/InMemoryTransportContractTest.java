package io.tandem.transport;

class InMemoryTransportContractTest extends TransportContractTest {

    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    Transport newTransport(TransportConfig config) {
        return network.transport(config);
    }

    @Override
    Endpoint unusedEndpoint() {
        return Endpoint.of("127.0.0.1", 1);
    }
}
