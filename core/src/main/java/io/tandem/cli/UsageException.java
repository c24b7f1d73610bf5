package io.tandem.cli;

/** The command line itself is wrong (unknown command or flag, missing argument): exit code 2. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }
}
