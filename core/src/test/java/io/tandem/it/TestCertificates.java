package io.tandem.it;

import io.tandem.transport.TlsConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * (A copy of transport's test helper, which core cannot see.) Generates a throwaway CA and node certificates (EC P-256) as PEM files at test time. Nothing is
 * committed; every run makes fresh keys in a temporary directory.
 */
final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(1);

    /** A certificate authority that can issue node certificates. */
    static final class Authority {
        final String name;
        final KeyPair keys;
        final X509Certificate certificate;
        final Path pem;

        private Authority(String name, KeyPair keys, X509Certificate certificate, Path pem) {
            this.name = name;
            this.keys = keys;
            this.certificate = certificate;
            this.pem = pem;
        }

        /**
         * Issues a node certificate for {@code names} (IP literals become IP SANs, others DNS SANs)
         * into {@code dir}; returns TLS settings that trust {@code trusted}.
         */
        TlsConfig.Builder issue(Path dir, String node, Authority trusted, String... names) {
            try {
                KeyPair nodeKeys = newKeyPair();
                X509v3CertificateBuilder builder = builder(new X500Name("CN=" + name), new X500Name("CN=" + node),
                        nodeKeys);
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                builder.addExtension(Extension.subjectAlternativeName, false, sans(names));
                X509Certificate cert = sign(builder, keys);
                Path chain = write(dir.resolve(node + "-chain.pem"), pem("CERTIFICATE", cert.getEncoded()));
                Path key = write(dir.resolve(node + "-key.pem"), pem("PRIVATE KEY", nodeKeys.getPrivate().getEncoded()));
                return TlsConfig.builder().certificateChain(chain).privateKey(key).trustedCertificates(trusted.pem);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot issue a test certificate for " + node, e);
            }
        }
    }

    private TestCertificates() {}

    static Authority authority(Path dir, String name) {
        try {
            KeyPair keys = newKeyPair();
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = builder(subject, subject, keys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate cert = sign(builder, keys);
            Path pem = write(dir.resolve(name + "-ca.pem"), pem("CERTIFICATE", cert.getEncoded()));
            return new Authority(name, keys, cert, pem);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create test CA " + name, e);
        }
    }

    /** A node certificate valid for loopback (127.0.0.1 and localhost). */
    static TlsConfig.Builder loopbackNode(Authority issuer, Path dir, String node, Authority trusted) {
        return issuer.issue(dir, node, trusted, "127.0.0.1", "localhost");
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        // Certificate validity is checked against the real clock by the JDK, so this reads it too.
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.getAndIncrement()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static GeneralNames sans(String... names) {
        GeneralName[] general = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
            boolean ip = names[i].chars().allMatch(c -> Character.isDigit(c) || c == '.');
            general[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
        }
        return new GeneralNames(general);
    }

    static String pem(String type, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path path, String content) {
        try {
            return Files.writeString(path, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
