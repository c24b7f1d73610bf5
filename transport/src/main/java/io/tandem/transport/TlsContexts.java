package io.tandem.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import javax.net.ssl.SSLException;

/** Server and client TLS contexts built once from a node's {@link TlsConfig}. */
record TlsContexts(SslContext server, SslContext client) {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    static TlsContexts load(TlsConfig tls) {
        File chain = tls.certificateChain().toFile();
        File key = tls.privateKey().toFile();
        File trusted = tls.trustedCertificates().toFile();
        String password = tls.privateKeyPassword().orElse(null);
        try {
            SslContext server = SslContextBuilder.forServer(chain, key, password).trustManager(trusted)
                    .clientAuth(tls.mutual() ? ClientAuth.REQUIRE : ClientAuth.NONE).protocols(PROTOCOLS).build();
            // Netty 4.2 verifies hostnames by default; null turns it off explicitly when asked to.
            SslContext client = SslContextBuilder.forClient().keyManager(chain, key, password).trustManager(trusted)
                    .endpointIdentificationAlgorithm(tls.verifyHostname() ? "HTTPS" : null).protocols(PROTOCOLS)
                    .build();
            return new TlsContexts(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw new TransportException("cannot load TLS material " + tls + ": " + ConnectionHandler.rootMessage(e)
                    + "; check that the files are PEM and the key is PKCS#8 and matches the certificate", e);
        }
    }
}
