package io.tandem.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A handler that records what it receives. */
final class Collector implements MessageHandler {

    record Received(String from, Object message) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(String fromNodeId, Object message) {
        received.add(new Received(fromNodeId, message));
    }

    int count() {
        return received.size();
    }

    List<Received> all() {
        return List.copyOf(received);
    }

    List<Object> messages() {
        List<Object> messages = new ArrayList<>();
        received.forEach(r -> messages.add(r.message()));
        return messages;
    }

    boolean contains(Object message) {
        return received.stream().anyMatch(r -> r.message().equals(message));
    }

    Received awaitOne(Object message) {
        Await.until("received " + message, () -> contains(message));
        return received.stream().filter(r -> r.message().equals(message)).findFirst().orElseThrow();
    }

    void awaitCount(int n) {
        Await.until(n + " messages received", Await.DEFAULT, () -> received.size() >= n,
                () -> "got " + received.size());
    }
}
