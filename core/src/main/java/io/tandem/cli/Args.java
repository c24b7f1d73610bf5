package io.tandem.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed command line: positional arguments and {@code --flag value}, {@code --flag=value} or
 * boolean {@code --flag} options. Only the flags named at parse time are accepted.
 */
final class Args {

    private final List<String> positional;
    private final Map<String, String> flags;

    private Args(List<String> positional, Map<String, String> flags) {
        this.positional = positional;
        this.flags = flags;
    }

    /**
     * @throws UsageException for a flag not in {@code valueFlags} or {@code booleanFlags}, or a value flag
     *     without a value
     */
    static Args parse(String[] args, Set<String> valueFlags, Set<String> booleanFlags) {
        List<String> positional = new ArrayList<>();
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.equals("--")) {
                positional.add(a);
                continue;
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            String value = eq >= 0 ? name.substring(eq + 1) : null;
            name = eq >= 0 ? name.substring(0, eq) : name;
            if (booleanFlags.contains(name)) {
                if (value != null) {
                    throw new UsageException("flag --" + name + " takes no value");
                }
                value = "true";
            } else if (!valueFlags.contains(name)) {
                throw new UsageException("unknown flag --" + name + "; this command takes " + describe(valueFlags,
                        booleanFlags));
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("flag --" + name + " needs a value");
                }
                value = args[++i];
            }
            flags.put(name, value);
        }
        return new Args(positional, flags);
    }

    private static String describe(Set<String> valueFlags, Set<String> booleanFlags) {
        Set<String> all = new TreeSet<>();
        valueFlags.forEach(f -> all.add("--" + f + " V"));
        booleanFlags.forEach(f -> all.add("--" + f));
        return all.isEmpty() ? "no flags" : String.join(", ", all);
    }

    List<String> positional() {
        return positional;
    }

    /** The positional argument at {@code index}, or a usage error naming {@code what}. */
    String positional(int index, String what) {
        if (index >= positional.size()) {
            throw new UsageException("missing " + what);
        }
        return positional.get(index);
    }

    void requirePositionalAtMost(int n) {
        if (positional.size() > n) {
            throw new UsageException("unexpected argument '" + positional.get(n) + "'");
        }
    }

    boolean has(String flag) {
        return flags.containsKey(flag);
    }

    String flag(String name, String fallback) {
        return flags.getOrDefault(name, fallback);
    }

    /** A whole-number flag within [min, max], or {@code fallback} when absent. */
    long longFlag(String name, long fallback, long min, long max) {
        String text = flags.get(name);
        if (text == null) {
            return fallback;
        }
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + text + "'");
        }
        if (v < min || v > max) {
            throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }
}
