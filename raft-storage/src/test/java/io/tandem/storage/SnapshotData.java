package io.tandem.storage;

import java.util.SplittableRandom;

/** Deterministic snapshot contents, so any process can check what it reads. */
final class SnapshotData {

    private SnapshotData() {
    }

    static byte[] forIndex(long index) {
        byte[] data = new byte[(int) (index % 7 + 1) * 50_000 + (int) (index % 13)];
        new SplittableRandom(index).nextBytes(data);
        return data;
    }

    static byte[] configuration(long index) {
        return ("voters=a,b,c;index=" + index).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
