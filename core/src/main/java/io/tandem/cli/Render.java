package io.tandem.cli;

import io.tandem.node.Wire.ClientRecord;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Output formats. JSON is written by hand (no library in the CLI jar): maps, lists, strings,
 * numbers, booleans and null. In tables a key or value is printed bare when it is a simple token
 * ({@code [A-Za-z0-9._/:@+-]+}) and as a JSON string literal otherwise, so a line always splits
 * into its fields unambiguously, whatever the key or value holds ({@code =}, spaces, newlines).
 */
final class Render {

    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9._/:@+\\-]+");

    private Render() {
    }

    /** A table field: bare if simple, else a JSON string literal. */
    static String token(String s) {
        return BARE.matcher(s).matches() ? s : quote(s);
    }

    /** Columns padded to the widest cell; the last column is not padded. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + widths[i] + "s  ", r.get(i)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A record as JSON: the value as UTF-8 text (lossy for binary values) and exactly, in base64. */
    static Map<String, Object> record(ClientRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key());
        m.put("value", new String(r.value(), StandardCharsets.UTF_8));
        m.put("valueBase64", Base64.getEncoder().encodeToString(r.value()));
        m.put("utf8", isUtf8(r.value()));
        m.put("version", r.version());
        m.put("createRevision", r.createRevision());
        m.put("modRevision", r.modRevision());
        m.put("expiresAtMillis", r.expiresAtMillis());
        return m;
    }

    static List<String> recordRow(ClientRecord r) {
        return List.of(token(r.key()), String.valueOf(r.version()), String.valueOf(r.modRevision()),
                String.valueOf(r.createRevision()), token(new String(r.value(), StandardCharsets.UTF_8)));
    }

    static final List<String> RECORD_HEADER = List.of("KEY", "VERSION", "REVISION", "CREATED", "VALUE");

    static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** {@code name=value} tokens of one line (values hold no spaces) as a map, numbers as numbers. */
    static Map<String, Object> pairs(String line) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String t : line.trim().split("\\s+")) {
            int eq = t.indexOf('=');
            if (eq > 0) {
                m.put(t.substring(0, eq), scalar(t.substring(eq + 1)));
            } else if (!t.isEmpty()) {
                m.put("name", t);
            }
        }
        return m;
    }

    /** Numbers and booleans as such, the rest as text. */
    static Object scalar(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        if (v.matches("-?\\d{1,18}")) {
            return Long.parseLong(v);
        }
        return v;
    }

    /**
     * {@code name: value} lines as an object. A name seen more than once ({@code warning},
     * {@code not-ready-because}, ...) becomes a list; so do names known to repeat, even once.
     */
    static Map<String, Object> nameValueLines(String text, List<String> alwaysLists) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String name : alwaysLists) {
            m.put(name, new ArrayList<>());
        }
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            Object value = scalar(line.substring(colon + 1).trim());
            Object old = m.get(name);
            if (old instanceof List<?> list) {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) list;
                l.add(value);
            } else if (old != null) {
                List<Object> l = new ArrayList<>();
                l.add(old);
                l.add(value);
                m.put(name, l);
            } else {
                m.put(name, value);
            }
        }
        return m;
    }

    static String json(Object o) {
        StringBuilder b = new StringBuilder();
        write(b, o);
        return b.toString();
    }

    private static void write(StringBuilder b, Object o) {
        if (o == null) {
            b.append("null");
        } else if (o instanceof String s) {
            b.append(quote(s));
        } else if (o instanceof Number || o instanceof Boolean) {
            b.append(o);
        } else if (o instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ",").append(quote(String.valueOf(e.getKey()))).append(':');
                write(b, e.getValue());
                first = false;
            }
            b.append('}');
        } else if (o instanceof Iterable<?> l) {
            b.append('[');
            boolean first = true;
            for (Object x : l) {
                b.append(first ? "" : ",");
                write(b, x);
                first = false;
            }
            b.append(']');
        } else {
            b.append(quote(o.toString()));
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
