package io.tandem.data;

/**
 * One change. For {@link Type#PUT} the record is the new value; for {@link Type#DELETE} and
 * {@link Type#EXPIRE} it is the record as it was before it was removed.
 */
public record WatchEvent(long revision, Type type, Record record) {

    public enum Type { PUT, DELETE, EXPIRE }

    public String key() {
        return record.key();
    }
}
