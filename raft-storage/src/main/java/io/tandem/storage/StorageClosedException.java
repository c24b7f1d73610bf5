package io.tandem.storage;

/** The store was closed; no call other than {@code close()} is allowed any more. */
public class StorageClosedException extends StorageException {

    public StorageClosedException(String what) {
        super(what + " is closed");
    }
}
