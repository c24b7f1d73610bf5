package io.tandem.transport;

import io.tandem.testing.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

/** The contract over real loopback sockets, with epoll where available. */
class NettyTransportContractTest extends TransportContractTest {

    boolean preferNative() {
        return true;
    }

    @Override
    Transport newTransport(TransportConfig config) {
        return new NettyTransport(config.toBuilder().preferNativeTransport(preferNative()).build());
    }

    @Override
    Endpoint unusedEndpoint() {
        return Endpoint.of("127.0.0.1", TestPorts.next()); // nothing listens there, and no other test will bind it
    }

    @Override
    void assertQueueBounded(Transport sender, Endpoint to) {
        Peer peer = ((NettyTransport) sender).peer(to);
        assertTrue(peer.queuedMessages() <= 32, "queued " + peer.queuedMessages());
        // Netty holds at most the high-water mark plus the one frame that crossed it.
        assertTrue(peer.channelPendingBytes() <= 64 * 1024 + 2048, "pending " + peer.channelPendingBytes());
    }

    @Test
    void usesTheExpectedIoFlavour() {
        NettyTransport t = (NettyTransport) started("node-a", new Collector());
        assertEquals(preferNative() && Epoll.isAvailable() ? "epoll" : "nio", t.ioName());
    }

    @Test
    void bindingATakenPortFailsWithAClearMessage() {
        Transport a = started("node-a", new Collector());
        Transport b = newTransport(TestConfigs.node("node-b").bind(a.localEndpoint()).build());
        TransportException e = org.junit.jupiter.api.Assertions.assertThrows(TransportException.class,
                () -> b.start(new Collector()));
        assertTrue(e.getMessage().contains("cannot listen on " + a.localEndpoint()), e.getMessage());
        b.close();
    }
}
