package io.tandem.raft;

/** The kinds of log entry. The code is part of the on-disk format and never changes meaning. */
public enum EntryType {
    /** A client command for the state machine. */
    NORMAL((byte) 1),
    /** The empty entry a new leader appends at the start of its term (§5.4.2, §8). */
    NOOP((byte) 2),
    /** A full cluster configuration (voters and learners); in effect as soon as appended (§4.1). */
    CONFIG((byte) 3);

    private final byte code;

    EntryType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static EntryType fromCode(byte code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code + " (known: 1=NORMAL, 2=NOOP, 3=CONFIG)");
    }
}
