package io.tandem.transport;

/**
 * Why a connection was refused during the handshake. Codes {@code 1..6} also travel on the wire in a
 * {@code REJECT} frame (see {@code docs/formats-wire.md}); the others are only counted locally.
 */
public enum RejectReason {
    /** A handshake frame that does not parse: wrong magic, bad lengths, trailing bytes. */
    MALFORMED_HANDSHAKE(1),
    /** The peer speaks another protocol version. */
    VERSION_MISMATCH(2),
    /** The peer belongs to another cluster (cluster names differ). */
    CLUSTER_MISMATCH(3),
    /** The peer's HMAC proof does not verify: it does not hold our cluster secret, or replayed a hello. */
    BAD_PROOF(4),
    /** The peer sent something other than a hello first (for example a message). */
    UNEXPECTED_FRAME(5),
    /** Under TLS, the node id the peer claims is not named by its certificate (see {@code TlsConfig.allowedPeerNames}). */
    CERTIFICATE_MISMATCH(6),
    /** The handshake did not finish within {@code handshakeTimeoutMs}. */
    HANDSHAKE_TIMEOUT(0),
    /** The TLS handshake failed: plaintext peer, untrusted or missing certificate, hostname mismatch. */
    TLS_FAILED(0),
    /**
     * We connected out and the peer closed the connection before the handshake finished, without
     * a REJECT: typically a TLS server closing on a plaintext client at its own handshake timeout.
     */
    CLOSED_DURING_HANDSHAKE(0),
    /** We connected out and the server refused our hello (it sent {@code REJECT}). */
    REJECTED_BY_PEER(0),
    /** We connected out and the server's proof did not verify: it does not hold our cluster secret. */
    PEER_BAD_PROOF(0);

    private final int wireCode;

    RejectReason(int wireCode) {
        this.wireCode = wireCode;
    }

    /** The code sent in a {@code REJECT} frame, or 0 when this reason is never sent. */
    int wireCode() {
        return wireCode;
    }

    static RejectReason fromWireCode(int code) {
        for (RejectReason reason : values()) {
            if (reason.wireCode == code && code != 0) {
                return reason;
            }
        }
        return MALFORMED_HANDSHAKE;
    }
}
