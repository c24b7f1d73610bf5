package io.tandem;

/** A caller passed a value Tandem cannot accept: an invalid name, an oversized value, a bad setting. */
public class InvalidArgumentException extends TandemException {

    public InvalidArgumentException(String message) {
        super(message);
    }
}
