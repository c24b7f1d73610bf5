package io.tandem.transport;

/** The same contract on the NIO transport, which is what non-Linux hosts use. */
class NettyNioTransportContractTest extends NettyTransportContractTest {

    @Override
    boolean preferNative() {
        return false;
    }
}
