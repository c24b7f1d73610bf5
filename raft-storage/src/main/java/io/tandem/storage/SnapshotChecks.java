package io.tandem.storage;

/** Argument checks shared by the snapshot stores, so both reject the same input. */
final class SnapshotChecks {

    private SnapshotChecks() {
    }

    static void checkChunkOffset(long offset, long bytesWritten) {
        if (offset != bytesWritten) {
            throw new IllegalArgumentException("snapshot chunk at offset " + offset + ", expected offset "
                    + bytesWritten + " (the bytes written so far)");
        }
    }

    static void checkRead(long offset, int maxBytes, long sizeBytes) {
        if (offset < 0 || offset > sizeBytes) {
            throw new IllegalArgumentException("snapshot read offset " + offset + " outside [0, " + sizeBytes + "]");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("snapshot read maxBytes (" + maxBytes + ") must be >= 1");
        }
    }

    static void checkRetain(int retain) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain (" + retain + ") must be >= 1");
        }
    }
}
