package io.tandem.transport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS material for a node, read from PEM files when the transport starts. Each node is both a
 * server (inbound connections) and a client (outbound connections) and presents the same
 * certificate in both roles.
 *
 * <ul>
 *   <li>{@code certificateChain}: this node's certificate, then intermediates (PEM).
 *   <li>{@code privateKey}: its private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY}); encrypted
 *       keys need {@code privateKeyPassword}.
 *   <li>{@code trustedCertificates}: the CA certificate(s) that sign every node (PEM).
 *   <li>{@code mutual} (default {@code true}): servers require and verify a client certificate
 *       signed by a trusted CA. With {@code false} only the server is authenticated by TLS; the
 *       cluster-secret handshake still authenticates the client.
 *   <li>{@code verifyHostname} (default {@code true}): clients check that the server's
 *       certificate names the host they dialled (subject alternative name, DNS or IP).
 *   <li>{@code allowedPeerNames} (default empty): with it empty, a peer's certificate must name
 *       the node id the peer claims (subject CN or a DNS/URI/IP alternative name) — checked on
 *       both sides, for client certificates under {@code mutual}; with names set, the certificate
 *       must carry one of them instead (for a certificate shared by several nodes).
 * </ul>
 */
public final class TlsConfig {

    private final Path certificateChain;
    private final Path privateKey;
    private final String privateKeyPassword;
    private final Path trustedCertificates;
    private final boolean mutual;
    private final boolean verifyHostname;
    private final java.util.Set<String> allowedPeerNames;

    private TlsConfig(Builder b) {
        this.allowedPeerNames = java.util.Set.copyOf(b.allowedPeerNames);
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.privateKeyPassword = b.privateKeyPassword;
        this.trustedCertificates = b.trustedCertificates;
        this.mutual = b.mutual;
        this.verifyHostname = b.verifyHostname;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path certificateChain() {
        return certificateChain;
    }

    public Path privateKey() {
        return privateKey;
    }

    Optional<String> privateKeyPassword() {
        return Optional.ofNullable(privateKeyPassword);
    }

    public Path trustedCertificates() {
        return trustedCertificates;
    }

    public boolean mutual() {
        return mutual;
    }

    public boolean verifyHostname() {
        return verifyHostname;
    }

    /**
     * The name this certificate proves: the subject's CN, else its first alternative name. A
     * client that is not a node (the CLI) uses it as its id, since peers check that the
     * certificate names the id (see {@link #allowedPeerNames()}).
     *
     * @throws IllegalArgumentException if the chain file holds no readable certificate
     */
    public String certificateName() {
        try (java.io.InputStream in = Files.newInputStream(certificateChain)) {
            java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate)
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            java.util.Set<String> names = PeerCertificates.namesOf(cert);
            String cn = PeerCertificates.commonName(cert);
            if (cn != null) {
                return cn;
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("tls.certificateChain " + certificateChain + ": the certificate"
                        + " names nothing (no CN, no alternative name)");
            }
            return names.iterator().next();
        } catch (java.io.IOException | java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("tls.certificateChain " + certificateChain + " cannot be read as a PEM"
                    + " certificate: " + e.getMessage(), e);
        }
    }

    /** Certificate names accepted for any node; empty (the default) binds each node id to its own certificate. */
    public java.util.Set<String> allowedPeerNames() {
        return allowedPeerNames;
    }

    @Override
    public String toString() {
        return "TlsConfig[certificateChain=" + certificateChain + ", privateKey=" + privateKey + ", trusted="
                + trustedCertificates + ", mutual=" + mutual + ", verifyHostname=" + verifyHostname + ", allowedPeerNames=" + allowedPeerNames
                + "]";
    }

    public static final class Builder {
        private Path certificateChain;
        private Path privateKey;
        private String privateKeyPassword;
        private Path trustedCertificates;
        private boolean mutual = true;
        private boolean verifyHostname = true;
        private java.util.Set<String> allowedPeerNames = java.util.Set.of();

        private Builder() {}

        public Builder allowedPeerNames(java.util.Collection<String> names) {
            this.allowedPeerNames = java.util.Set.copyOf(names);
            return this;
        }

        public Builder certificateChain(Path pem) {
            this.certificateChain = pem;
            return this;
        }

        public Builder privateKey(Path pem) {
            this.privateKey = pem;
            return this;
        }

        public Builder privateKeyPassword(String password) {
            this.privateKeyPassword = password;
            return this;
        }

        public Builder trustedCertificates(Path pem) {
            this.trustedCertificates = pem;
            return this;
        }

        public Builder mutual(boolean mutual) {
            this.mutual = mutual;
            return this;
        }

        public Builder verifyHostname(boolean verifyHostname) {
            this.verifyHostname = verifyHostname;
            return this;
        }

        /** @throws IllegalArgumentException naming the missing or unreadable file */
        public TlsConfig build() {
            requireReadable("certificateChain", certificateChain, "this node's certificate chain");
            requireReadable("privateKey", privateKey, "this node's PKCS#8 private key");
            requireReadable("trustedCertificates", trustedCertificates, "the CA certificate(s) that sign every node");
            return new TlsConfig(this);
        }

        private static void requireReadable(String name, Path path, String what) {
            if (path == null) {
                throw new IllegalArgumentException("tls." + name + " is not set; point it at a PEM file with " + what);
            }
            Objects.requireNonNull(path);
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new IllegalArgumentException("tls." + name + " " + path + " is not a readable file; point it at "
                        + "a PEM file with " + what);
            }
        }
    }
}
