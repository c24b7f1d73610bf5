package io.tandem.storage;

import java.nio.file.Path;

/**
 * A log segment is damaged where damage cannot be a torn write: inside a sealed segment, in the
 * middle of the last one, in a segment header, or as a gap between segments. Start-up stops
 * with this exception rather than drop entries that may have been acknowledged.
 */
public class CorruptLogException extends CorruptStorageException {

    public CorruptLogException(Path file, long offset, String detail) {
        super(file, offset, detail);
    }
}
