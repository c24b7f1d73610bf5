package io.tandem.storage;

/**
 * Root of the storage failures: an I/O error, a corrupt file, a closed store. Unchecked.
 *
 * <p>{@code raft-storage} depends on nothing else in Tandem, so this hierarchy cannot extend
 * {@code io.tandem.TandemException}; the node runtime in {@code core} wraps or maps these where
 * they cross into the public API.
 */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
