package io.tandem.storage;

import io.tandem.TandemException;

/**
 * Root of the storage failures: an I/O error, a corrupt file, a closed store. Unchecked, and a
 * {@link TandemException} like every exception a Tandem user can see: {@code raft-storage} cannot
 * depend on {@code core}, so the root class lives in the small module {@code base} that every
 * module depends on.
 */
public class StorageException extends TandemException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
