package io.tandem.storage;

/**
 * A write failed because the device has no space left. A failed log append has been rolled back:
 * nothing of it is visible, and the call may be retried once space is freed.
 */
public class DiskFullException extends StorageException {

    public DiskFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
