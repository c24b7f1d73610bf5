package io.tandem.jmh;

/**
 * A sender and a receiver joined over loopback, for the transport benchmarks. One implementation
 * uses Tandem's transport, the other raw Netty with the same framing; the benchmark drives both
 * through this interface so the harness around them is identical.
 */
interface Link extends AutoCloseable {

    /** One-way: queue one payload for the receiver. */
    void send(byte[] payload);

    /** Payloads the receiver has seen. */
    long received();

    /** Round trip: the receiver echoes the payload back. */
    void ping(byte[] payload);

    /** Echoes the sender has seen. */
    long pongs();

    /** Messages the implementation discarded; a benchmark run with drops is invalid. */
    long drops();

    @Override
    void close();
}
