package io.tandem.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A peer's network address, {@code host:port}. Peers are addressed by endpoint for sending; the
 * receiving side learns the sender's node id from the authenticated hello instead.
 *
 * <p>Immutable and safe to share across threads. {@code host} is a name or an IP literal (IPv6
 * without brackets); it is resolved only when a connection is opened.
 */
public record Endpoint(String host, int port) implements Comparable<Endpoint> {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("endpoint host is blank; give a name or an IP, e.g. 127.0.0.1:7400");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("endpoint port " + port + " is outside 0..65535");
        }
    }

    public static Endpoint of(String host, int port) {
        return new Endpoint(host, port);
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}. */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + text + "' is not host:port (e.g. 10.0.0.5:7400)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Endpoint(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + text + "' has a non-numeric port", e);
        }
    }

    /** Resolves the host; may block on DNS for names (IP literals do not). */
    InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public int compareTo(Endpoint other) {
        int byHost = host.compareTo(other.host);
        return byHost != 0 ? byHost : Integer.compare(port, other.port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
