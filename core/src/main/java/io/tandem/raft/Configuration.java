package io.tandem.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A cluster configuration: voters and learners, each mapped to its advertised address.
 * Immutable; sorted maps keep iteration order identical on every replica.
 *
 * <p>Binary form (version 1), big-endian, carried as the payload of {@link EntryType#CONFIG}
 * entries and in snapshot metadata:
 * <pre>
 * +---------+---------+----------------------------+---------+----------------------------+
 * | u8 ver=1| i32 nV  | nV x (utf id, utf address) | i32 nL  | nL x (utf id, utf address) |
 * +---------+---------+----------------------------+---------+----------------------------+
 * utf = u16 length + modified UTF-8 (DataOutput.writeUTF)
 * </pre>
 */
public final class Configuration {

    public static final Configuration EMPTY = new Configuration(new TreeMap<>(), new TreeMap<>());
    private static final byte FORMAT_VERSION = 1;

    private final SortedMap<String, String> voters;
    private final SortedMap<String, String> learners;

    private Configuration(SortedMap<String, String> voters, SortedMap<String, String> learners) {
        this.voters = Collections.unmodifiableSortedMap(voters);
        this.learners = Collections.unmodifiableSortedMap(learners);
    }

    public static Configuration of(Map<String, String> voters, Map<String, String> learners) {
        TreeMap<String, String> v = new TreeMap<>(voters);
        TreeMap<String, String> l = new TreeMap<>(learners);
        for (String id : v.keySet()) {
            if (l.containsKey(id)) {
                throw new IllegalArgumentException("node " + id + " cannot be both voter and learner");
            }
        }
        return new Configuration(v, l);
    }

    /** Voters only, e.g. the founding configuration. */
    public static Configuration ofVoters(Map<String, String> voters) {
        return of(voters, Map.of());
    }

    public SortedMap<String, String> voters() {
        return voters;
    }

    public SortedMap<String, String> learners() {
        return learners;
    }

    public boolean isVoter(String id) {
        return voters.containsKey(id);
    }

    public boolean isLearner(String id) {
        return learners.containsKey(id);
    }

    public boolean isMember(String id) {
        return isVoter(id) || isLearner(id);
    }

    /** The address of a member, or {@code null} if it is not one. */
    public String address(String id) {
        String a = voters.get(id);
        return a != null ? a : learners.get(id);
    }

    /** All members (voters then learners), in sorted order within each group. */
    public java.util.List<String> members() {
        java.util.List<String> all = new java.util.ArrayList<>(voters.keySet());
        all.addAll(learners.keySet());
        return all;
    }

    /** Majority size of the voter set. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /**
     * The configuration after one single-server change, or an exception saying why the change
     * does not apply to this configuration.
     */
    public Configuration apply(ConfChange change) {
        TreeMap<String, String> v = new TreeMap<>(voters);
        TreeMap<String, String> l = new TreeMap<>(learners);
        String id = change.nodeId();
        switch (change.type()) {
            case ADD_LEARNER -> {
                if (isMember(id)) {
                    throw new IllegalArgumentException("cannot add learner " + id + ": already a "
                            + (isVoter(id) ? "voter" : "learner"));
                }
                l.put(id, change.address());
            }
            case PROMOTE -> {
                if (!isLearner(id)) {
                    throw new IllegalArgumentException("cannot promote " + id + ": not a learner (voters: "
                            + voters.keySet() + ", learners: " + learners.keySet() + ")");
                }
                v.put(id, l.remove(id));
            }
            case REMOVE -> {
                if (!isMember(id)) {
                    throw new IllegalArgumentException("cannot remove " + id + ": not a member");
                }
                if (isVoter(id) && voters.size() == 1) {
                    throw new IllegalArgumentException("cannot remove " + id + ": it is the last voter");
                }
                v.remove(id);
                l.remove(id);
            }
            default -> throw new IllegalStateException("unhandled " + change.type());
        }
        return new Configuration(v, l);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            writeMap(out, voters);
            writeMap(out, learners);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Configuration decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("configuration format version " + version
                        + " is not supported (this build reads version " + FORMAT_VERSION + ")");
            }
            TreeMap<String, String> v = readMap(in);
            TreeMap<String, String> l = readMap(in);
            return of(v, l);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt configuration payload (" + data.length + " bytes): " + e, e);
        }
    }

    private static void writeMap(DataOutputStream out, SortedMap<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    private static TreeMap<String, String> readMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000) {
            throw new IOException("member count " + n + " out of range");
        }
        TreeMap<String, String> map = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            map.put(in.readUTF(), in.readUTF());
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Configuration c && c.voters.equals(voters) && c.learners.equals(learners);
    }

    @Override
    public int hashCode() {
        return voters.hashCode() * 31 + learners.hashCode();
    }

    @Override
    public String toString() {
        return "Configuration{voters=" + voters.keySet() + ", learners=" + learners.keySet() + "}";
    }
}
