package io.tandem;

/** A conditional write or delete found another version of the key than the one it expected. */
public class VersionConflictException extends TandemException {

    private final String key;
    private final long expectedVersion;
    private final long actualVersion;

    public VersionConflictException(String key, long expectedVersion, long actualVersion) {
        super("key '" + key + "' is at version " + actualVersion + (actualVersion == 0 ? " (absent)" : "")
                + ", not at the expected version " + expectedVersion + "; read it again and retry");
        this.key = key;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    public String key() {
        return key;
    }

    public long expectedVersion() {
        return expectedVersion;
    }

    /** 0 when the key does not exist. */
    public long actualVersion() {
        return actualVersion;
    }
}
