package io.tandem.sim;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulator's replicated state machine: registers keyed by name with put and compare-and-set,
 * and per-client de-duplication of retried commands (dissertation §6.3). Deterministic: sorted maps.
 */
final class SimKv {

    /** A client command. {@code op} is "put" or "cas". */
    record Command(int client, long seq, String op, String key, String value, String expected) {

        byte[] encode() {
            String s = client + "\u0001" + seq + "\u0001" + op + "\u0001" + key + "\u0001" + value + "\u0001"
                    + (expected == null ? "\u0002" : expected);
            return s.getBytes(StandardCharsets.UTF_8);
        }

        static Command decode(byte[] b) {
            String[] p = new String(b, StandardCharsets.UTF_8).split("\u0001", -1);
            return new Command(Integer.parseInt(p[0]), Long.parseLong(p[1]), p[2], p[3], p[4],
                    p[5].equals("\u0002") ? null : p[5]);
        }
    }

    private record Session(long seq, String result) {
    }

    private final TreeMap<String, String> data = new TreeMap<>();
    private final TreeMap<Integer, Session> sessions = new TreeMap<>();

    /** Applies a command; a retry of the client's last command returns the cached result. */
    String apply(Command c) {
        Session s = sessions.get(c.client());
        if (s != null && c.seq() <= s.seq()) {
            return c.seq() == s.seq() ? s.result() : "STALE";
        }
        String result;
        if (c.op().equals("put")) {
            data.put(c.key(), c.value());
            result = "ok";
        } else {
            String cur = data.get(c.key());
            boolean match = c.expected().equals(cur == null ? "" : cur);
            if (match) {
                data.put(c.key(), c.value());
            }
            result = Boolean.toString(match);
        }
        sessions.put(c.client(), new Session(c.seq(), result));
        return result;
    }

    String read(String key) {
        String v = data.get(key);
        return v == null ? "" : v;
    }

    byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(data.size());
            for (Map.Entry<String, String> e : data.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeInt(sessions.size());
            for (Map.Entry<Integer, Session> e : sessions.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue().seq());
                out.writeUTF(e.getValue().result());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static SimKv restore(byte[] snapshot) {
        SimKv kv = new SimKv();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                kv.data.put(in.readUTF(), in.readUTF());
            }
            int m = in.readInt();
            for (int i = 0; i < m; i++) {
                kv.sessions.put(in.readInt(), new Session(in.readLong(), in.readUTF()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return kv;
    }
}
