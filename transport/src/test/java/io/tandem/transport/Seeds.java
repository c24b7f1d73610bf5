package io.tandem.transport;

import java.util.SplittableRandom;

/** Seeds for randomized tests: from a system property (hex, with or without 0x) or fresh. */
final class Seeds {

    private Seeds() {}

    static long fromProperty(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            return new SplittableRandom().nextLong();
        }
        String hex = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
        return Long.parseUnsignedLong(hex, 16);
    }

    static String hex(long seed) {
        return "0x" + Long.toHexString(seed);
    }
}
