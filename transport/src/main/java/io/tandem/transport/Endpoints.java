package io.tandem.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Small helpers to show socket addresses in the same host:port form as {@link Endpoint}. */
final class Endpoints {

    private Endpoints() {}

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return new Endpoint(host, inet.getPort()).toString();
        }
        return String.valueOf(address);
    }

    static Endpoint of(SocketAddress address, String fallbackHost) {
        if (address instanceof InetSocketAddress inet) {
            return new Endpoint(fallbackHost, inet.getPort());
        }
        throw new IllegalStateException("not an IP socket address: " + address);
    }
}
