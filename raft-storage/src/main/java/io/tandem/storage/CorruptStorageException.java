package io.tandem.storage;

import java.nio.file.Path;

/**
 * A file holds bytes that do not match its format or its checksum. Never recovered silently:
 * an operator has to look at the file named here.
 */
public class CorruptStorageException extends StorageException {

    private final transient Path file;
    private final long offset;

    /**
     * @param file the damaged file
     * @param offset byte offset of the damage inside {@code file}, or -1 if not tied to one place
     * @param detail what was expected and what was found
     */
    public CorruptStorageException(Path file, long offset, String detail) {
        super(file + (offset >= 0 ? " at offset " + offset : "") + ": " + detail);
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset of the damage inside {@link #file()}, or -1. */
    public long offset() {
        return offset;
    }
}
