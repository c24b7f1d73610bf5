package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.tandem.transport.TestCertificates.Authority;
import io.tandem.transport.TestMessages.Ping;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS with certificates generated for this run. */
class NettyTlsTest {

    @TempDir
    Path dir;
    private Authority ca;
    private Authority rogue;
    private final List<Transport> open = new ArrayList<>();

    @BeforeEach
    void certificates() {
        ca = TestCertificates.authority(dir, "tandem-test-ca");
        rogue = TestCertificates.authority(dir, "rogue-ca");
    }

    @AfterEach
    void closeAll() {
        open.forEach(Transport::close);
    }

    private Transport started(String nodeId, TlsConfig tls, MessageHandler handler) {
        return started(TestConfigs.node(nodeId).tls(tls), handler);
    }

    private Transport started(TransportConfig.Builder config, MessageHandler handler) {
        Transport t = new NettyTransport(config.build());
        open.add(t);
        t.start(handler);
        return t;
    }

    private TlsConfig node(String name, boolean mutual) {
        return TestCertificates.loopbackNode(ca, dir, name, ca).mutual(mutual).build();
    }

    @Test
    void tlsCarriesMessages() {
        Collector inbox = new Collector();
        Transport b = started("node-b", node("node-b", false), inbox);
        Transport a = started("node-a", node("node-a", false), (f, m) -> { });
        a.send(b.localEndpoint(), new Ping(1, "over tls"));
        assertEquals("node-a", inbox.awaitOne(new Ping(1, "over tls")).from());
    }

    @Test
    void mutualTlsCarriesMessages() {
        Collector inbox = new Collector();
        Transport b = started("node-b", node("node-b", true), inbox);
        Transport a = started("node-a", node("node-a", true), (f, m) -> { });
        for (Object m : TestMessages.samples()) {
            a.send(b.localEndpoint(), m);
        }
        inbox.awaitCount(TestMessages.samples().size());
        assertEquals(TestMessages.samples(), inbox.messages());
        assertEquals(0, b.stats().handshakesRejected());
    }

    @Test
    void plaintextPeerIsRefusedByATlsServer() {
        Collector inbox = new Collector();
        // The plaintext client waits for a challenge, the TLS server for a ClientHello: the timeout decides.
        Transport b = started(TestConfigs.node("node-b").tls(node("node-b", true)).handshakeTimeoutMs(300), inbox);
        Transport plain = started(TestConfigs.node("plain").handshakeTimeoutMs(300), (f, m) -> { });
        plain.send(b.localEndpoint(), new Ping(1, "in clear"));
        Await.until("the TLS server refuses the plaintext peer", () -> b.stats().rejections(RejectReason.TLS_FAILED) >= 1,
                () -> b.stats().toString());
        Await.until("the plaintext client drops its message", () -> plain.stats().drops(b.localEndpoint()) >= 1);
        assertEquals(0, inbox.count());
        assertEquals(0, b.stats().framesReceived());
    }

    @Test
    void clientWithACertificateFromAnUntrustedCaIsRefusedUnderMutualTls() {
        Collector inbox = new Collector();
        Transport b = started("node-b", node("node-b", true), inbox);
        // Signed by the rogue CA, though it trusts ours: it can verify the server, not the reverse.
        TlsConfig impostor = TestCertificates.loopbackNode(rogue, dir, "impostor", ca).build();
        Transport a = started("impostor", impostor, (f, m) -> { });
        a.send(b.localEndpoint(), new Ping(1, "let me in"));
        Await.until("the server refuses the untrusted client certificate",
                () -> b.stats().rejections(RejectReason.TLS_FAILED) >= 1, () -> b.stats().toString());
        Await.until("the client drops its message", () -> a.stats().drops(b.localEndpoint()) >= 1);
        assertEquals(0, inbox.count());
    }

    @Test
    void clientWithoutAnyCertificateIsRefusedUnderMutualTls() throws Exception {
        Transport b = started("node-b", node("node-b", true), new Collector());
        JdkSslContext context = (JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(ca.pem.toFile()).build();
        Endpoint to = b.localEndpoint();
        IOException failure = assertThrows(IOException.class, () -> {
            try (SSLSocket socket = (SSLSocket) context.context().getSocketFactory().createSocket(to.host(), to.port())) {
                socket.setSoTimeout(5000);
                socket.startHandshake();
                new DataInputStream(socket.getInputStream()).readInt(); // a CHALLENGE would start here
            }
        });
        Await.until("the server counts a TLS rejection", () -> b.stats().rejections(RejectReason.TLS_FAILED) >= 1,
                () -> b.stats() + " after client saw " + failure);
    }

    @Test
    void serverWithAnUntrustedCertificateIsRefusedByTheClient() {
        Collector inbox = new Collector();
        Transport b = started("node-b", TestCertificates.loopbackNode(rogue, dir, "node-b", rogue).mutual(false).build(),
                inbox);
        Transport a = started("node-a", node("node-a", false), (f, m) -> { });
        a.send(b.localEndpoint(), new Ping(1, "secret stuff"));
        Await.until("the client refuses the server", () -> a.stats().rejections(RejectReason.TLS_FAILED) >= 1,
                () -> a.stats().toString());
        assertEquals(0, inbox.count());
    }

    @Test
    void hostnameIsVerifiedUnlessTurnedOff() {
        Collector inbox = new Collector();
        TlsConfig elsewhere = ca.issue(dir, "node-b", ca, "db.example.org").mutual(false).build();
        Transport b = started("node-b", elsewhere, inbox);
        Transport strict = started("strict", node("strict", false), (f, m) -> { });
        strict.send(b.localEndpoint(), new Ping(1, "wrong host"));
        Await.until("the client refuses a certificate for another host",
                () -> strict.stats().rejections(RejectReason.TLS_FAILED) >= 1, () -> strict.stats().toString());
        TlsConfig lax = TestCertificates.loopbackNode(ca, dir, "lax", ca).mutual(false).verifyHostname(false).build();
        Transport relaxed = started("lax", lax, (f, m) -> { });
        relaxed.send(b.localEndpoint(), new Ping(2, "any host"));
        inbox.awaitOne(new Ping(2, "any host"));
        assertEquals(List.of(new Ping(2, "any host")), inbox.messages());
    }

    @Test
    void unreadableKeyFailsStartWithAClearMessage() throws IOException {
        TlsConfig broken = TestCertificates.loopbackNode(ca, dir, "broken", ca).build();
        Files.writeString(broken.privateKey(), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        Transport t = new NettyTransport(TestConfigs.node("broken").tls(broken).build());
        open.add(t);
        TransportException e = assertThrows(TransportException.class, () -> t.start(new Collector()));
        assertTrue(e.getMessage().contains("cannot load TLS material"), e.getMessage());
    }

    @Test
    void aCertificateForAnotherNodeCannotClaimTheServersOwnId() {
        Collector inbox = new Collector();
        Transport b = started("node-b", node("node-b", true), inbox);
        // A valid certificate from the cluster's CA, issued to "evil", used to speak as node-b itself.
        TlsConfig evilCert = TestCertificates.loopbackNode(ca, dir, "evil", ca).build();
        Transport impostor = started("node-b", evilCert, (f, m) -> { });
        impostor.send(b.localEndpoint(), new Ping(1, "i am node-b"));
        Await.until("the server refuses an id its certificate does not name",
                () -> b.stats().rejections(RejectReason.CERTIFICATE_MISMATCH) >= 1, () -> b.stats().toString());
        Await.until("the impostor learns why", () -> impostor.stats().rejections(RejectReason.REJECTED_BY_PEER) >= 1,
                () -> impostor.stats().toString());
        assertEquals(0, inbox.count());
        // The same certificate speaking as its own name is fine.
        Transport honest = started("evil", evilCert, (f, m) -> { });
        honest.send(b.localEndpoint(), new Ping(2, "i am evil"));
        assertEquals("evil", inbox.awaitOne(new Ping(2, "i am evil")).from());
    }

    @Test
    void aServerWhoseCertificateDoesNotNameItsIdIsRefusedByTheClient() {
        Collector inbox = new Collector();
        // The server speaks as node-b with a certificate issued to "other".
        Transport b = started("node-b", TestCertificates.loopbackNode(ca, dir, "other", ca).mutual(false).build(), inbox);
        Transport a = started("node-a", node("node-a", false), (f, m) -> { });
        a.send(b.localEndpoint(), new Ping(1, "to node-b"));
        Await.until("the client refuses a server whose certificate names another node",
                () -> a.stats().rejections(RejectReason.CERTIFICATE_MISMATCH) >= 1, () -> a.stats().toString());
        assertEquals(0, inbox.count());
    }

    @Test
    void allowedPeerNamesAcceptASharedCertificateForAnyId() {
        Collector inbox = new Collector();
        TlsConfig shared = TestCertificates.loopbackNode(ca, dir, "cluster-peer", ca).allowedPeerNames(
                List.of("cluster-peer")).build();
        Transport b = started("node-b", shared, inbox);
        Transport a = started("node-a", shared, (f, m) -> { });
        a.send(b.localEndpoint(), new Ping(1, "shared certificate"));
        assertEquals("node-a", inbox.awaitOne(new Ping(1, "shared certificate")).from());
        TlsConfig outsider = TestCertificates.loopbackNode(ca, dir, "outsider", ca).allowedPeerNames(
                List.of("cluster-peer")).build();
        Transport c = started("node-c", outsider, (f, m) -> { });
        c.send(b.localEndpoint(), new Ping(2, "not allowed"));
        Await.until("a certificate without an allowed name is refused",
                () -> b.stats().rejections(RejectReason.CERTIFICATE_MISMATCH) >= 1, () -> b.stats().toString());
        assertEquals(1, inbox.count());
    }
}
