package io.tandem.jmh;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway CA and one loopback node certificate (EC P-256), as PEM files in a temp directory. */
record BenchCertificates(Path chain, Path key, Path ca) {

    static BenchCertificates create() {
        try {
            Path dir = Files.createTempDirectory("tandem-bench-tls");
            KeyPair caKeys = newKeyPair();
            X500Name caName = new X500Name("CN=bench-ca");
            X509v3CertificateBuilder ca = builder(caName, caName, caKeys, 1);
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            KeyPair nodeKeys = newKeyPair();
            X509v3CertificateBuilder node = builder(caName, new X500Name("CN=bench-node"), nodeKeys, 2);
            node.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
            return new BenchCertificates(
                    write(dir.resolve("node.pem"), "CERTIFICATE", sign(node, caKeys)),
                    write(dir.resolve("node-key.pem"), "PRIVATE KEY", nodeKeys.getPrivate().getEncoded()),
                    write(dir.resolve("ca.pem"), "CERTIFICATE", sign(ca, caKeys)));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create benchmark certificates", e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, long serial) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    }

    private static byte[] sign(X509v3CertificateBuilder builder, KeyPair issuer)
            throws OperatorCreationException, IOException {
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())).getEncoded();
    }

    private static Path write(Path path, String type, byte[] der) throws IOException {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(path, "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n");
    }
}
