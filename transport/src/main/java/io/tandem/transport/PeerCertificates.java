package io.tandem.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Binds the node id a peer claims in its hello (or welcome) to the certificate it presented in
 * TLS: by default the certificate's subject CN or one of its subject alternative names (DNS, URI
 * or IP) must equal the node id, so a holder of any certificate from the cluster's CA cannot speak
 * as another node. With {@link TlsConfig#allowedPeerNames()} set, the certificate must instead
 * carry one of those names (etcd's {@code --peer-cert-allowed-cn}), for clusters whose nodes share
 * a certificate; node ids are then not bound to certificates.
 */
final class PeerCertificates {

    private PeerCertificates() {
    }

    /** What is wrong with the peer's certificate for {@code claimedId}, or {@code null} when it matches. */
    static String mismatch(ChannelHandlerContext ctx, String claimedId, TlsConfig tls) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        X509Certificate cert;
        try {
            cert = (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            return "presented no certificate to bind its node id " + Handshake.quote(claimedId) + " to";
        }
        Set<String> names = namesOf(cert);
        Set<String> allowed = tls.allowedPeerNames();
        if (!allowed.isEmpty()) {
            for (String n : names) {
                if (allowed.contains(n)) {
                    return null;
                }
            }
            return "presented a certificate naming " + names + ", none of which is in tls.allowedPeerNames " + allowed;
        }
        if (names.contains(claimedId)) {
            return null;
        }
        return "claims node id " + Handshake.quote(claimedId) + " but its certificate names only " + names
                + "; issue each node a certificate whose CN or subject alternative name is its node id, or set"
                + " tls.allowedPeerNames for a shared certificate";
    }

    /** The subject's first CN, or {@code null}. */
    static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null; // an unparseable subject has no usable CN; alternative names may still serve
        }
        return null;
    }

    /** The subject's CN values and the DNS, URI and IP subject alternative names. */
    static Set<String> namesOf(X509Certificate cert) {
        Set<String> names = new TreeSet<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // A subject that does not parse names nothing; the SANs may still match.
            names.add("<unparseable subject: " + e.getMessage() + ">");
        }
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 6 || type == 7) {
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            names.add("<unparseable alternative names: " + e.getMessage() + ">");
        }
        return names;
    }
}
