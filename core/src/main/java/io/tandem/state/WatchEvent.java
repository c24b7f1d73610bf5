package io.tandem.state;

/**
 * One change of the data store, numbered by the revision it created. For {@link Type#PUT} the
 * record is the new one; for {@link Type#DELETE} and {@link Type#EXPIRE} it is the record as it was
 * before removal.
 */
public record WatchEvent(long revision, Type type, Record record) {

    public enum Type {
        PUT((byte) 1), DELETE((byte) 2), EXPIRE((byte) 3);

        final byte code;

        Type(byte code) {
            this.code = code;
        }

        static Type of(byte code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown watch event type " + code);
        }
    }

    public String key() {
        return record.key();
    }
}
