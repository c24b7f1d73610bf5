package io.tandem.jmh.baseline;

import io.atomix.cluster.Node;
import io.atomix.cluster.discovery.BootstrapDiscoveryProvider;
import io.atomix.core.Atomix;
import io.atomix.core.counter.AtomicCounter;
import io.atomix.core.election.LeaderElection;
import io.atomix.core.election.Leadership;
import io.atomix.core.lock.AtomicLock;
import io.atomix.core.map.AtomicMap;
import io.atomix.protocols.raft.MultiRaftProtocol;
import io.atomix.protocols.raft.ReadConsistency;
import io.atomix.protocols.raft.partition.RaftPartitionGroup;
import io.atomix.storage.StorageLevel;
import io.atomix.utils.time.Versioned;
import io.tandem.testing.TestPorts;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The atomix-raft baseline: three Atomix 3.1.12 members in this JVM over loopback, one Raft
 * partition group ("raft", 1 partition of 3 members) for the primitives and one ("system") for
 * Atomix's management, both on disk ({@link StorageLevel#DISK}, i.e. FileChannel segments) with
 * {@code flushOnCommit}: every replica calls {@code FileChannel.force(true)} when its commit
 * index advances. That is the closest Atomix setting to Tandem's fsync-before-acknowledge (Atomix
 * has no fsync-before-append option); with it off Atomix never fsyncs the log at all.
 *
 * <p>The contract with the jmh module is JDK types only, so the class can be loaded in its own
 * class loader beside a different Netty, Kryo and Guava: the jmh side looks these public methods
 * up by name and signature. Callers are numbered; caller {@code i} uses member {@code i % 3}
 * (two thirds of the calls reach the leader through a follower, as in the Tandem benchmarks) and
 * its own lock and election handles, because an Atomix lock handle is one session and tracks
 * only one held lock.
 *
 * <p>Thread-safety: {@link #useCaller(int)} and the operations may be called from many threads;
 * each caller id must be used by one thread at a time.
 */
public final class AtomixCluster implements AutoCloseable {

    private final List<Atomix> members = new ArrayList<>();
    private final List<AtomicMap<String, byte[]>> maps = new ArrayList<>();
    private final List<AtomicMap<String, byte[]>> sequentialMaps = new ArrayList<>();
    private final List<AtomicCounter> counters = new ArrayList<>();
    private final List<Caller> callers = new ArrayList<>();
    private final File dir;

    /** One benchmark thread's handles; created lazily so a benchmark opens only the sessions it uses. */
    private static final class Caller {
        final int id;
        final Atomix member;
        final String key;
        AtomicLock own;
        AtomicLock shared;
        LeaderElection<String> election;
        boolean flip;

        Caller(int id, Atomix member) {
            this.id = id;
            this.member = member;
            this.key = "bench/cas-" + id;
        }
    }

    /**
     * Starts the three members and waits until all of them are up and the primitives are
     * connected. {@code dataDir} holds the Raft logs; {@code disk} false keeps them in memory
     * ({@link StorageLevel#MEMORY}, no fsync) for the labelled in-memory variant.
     */
    public AtomixCluster(String dataDir, boolean disk) throws Exception {
        this.dir = new File(dataDir);
        ClassLoader loader = AtomixCluster.class.getClassLoader();
        int[] ports = {TestPorts.next(), TestPorts.next(), TestPorts.next()};
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(Node.builder().withId("a" + (i + 1)).withAddress("127.0.0.1", ports[i]).build());
        }
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "a" + (i + 1);
            File memberDir = new File(dir, id);
            StorageLevel level = disk ? StorageLevel.DISK : StorageLevel.MEMORY;
            Atomix atomix = Atomix.builder(loader)
                    .withClusterId("bench")
                    .withMemberId(id)
                    .withAddress("127.0.0.1", ports[i])
                    .withMembershipProvider(BootstrapDiscoveryProvider.builder().withNodes(nodes).build())
                    .withManagementGroup(RaftPartitionGroup.builder("system")
                            .withNumPartitions(1)
                            .withMembers("a1", "a2", "a3")
                            .withStorageLevel(level)
                            .withFlushOnCommit(disk)
                            .withDataDirectory(new File(memberDir, "system"))
                            .build())
                    .withPartitionGroups(RaftPartitionGroup.builder("raft")
                            .withNumPartitions(1)
                            .withPartitionSize(3)
                            .withMembers("a1", "a2", "a3")
                            .withStorageLevel(level)
                            .withFlushOnCommit(disk)
                            .withDataDirectory(new File(memberDir, "raft"))
                            .build())
                    .build();
            members.add(atomix);
            starting.add(atomix.start());
        }
        CompletableFuture.allOf(starting.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
        for (Atomix a : members) {
            maps.add(a.<String, byte[]>atomicMapBuilder("bench-data")
                    .withProtocol(protocol(ReadConsistency.LINEARIZABLE)).build());
            sequentialMaps.add(a.<String, byte[]>atomicMapBuilder("bench-data")
                    .withProtocol(protocol(ReadConsistency.SEQUENTIAL)).build());
            counters.add(a.atomicCounterBuilder("bench-counter").withProtocol(protocol(ReadConsistency.LINEARIZABLE))
                    .build());
        }
    }

    private static MultiRaftProtocol protocol(ReadConsistency reads) {
        return MultiRaftProtocol.builder("raft").withReadConsistency(reads).build();
    }

    /**
     * Makes caller {@code id} exist (one per benchmark thread; ids are dense from 0). A caller
     * that exists already keeps its handles, so trials that reuse the cluster reuse sessions.
     */
    public synchronized void useCaller(int id) throws Exception {
        while (callers.size() <= id) {
            int next = callers.size();
            Caller c = new Caller(next, members.get(next % members.size()));
            // The compare-and-write benchmark flips the key between two values it knows.
            maps.get(next % maps.size()).async().put(c.key, casValue(false)).get();
            callers.add(c);
        }
    }

    private synchronized Caller caller(int id) {
        return callers.get(id);
    }

    /** Acquires and releases the caller's own lock; returns the fencing version. */
    public long lockDistinct(int caller) throws Exception {
        Caller c = caller(caller);
        if (c.own == null) {
            c.own = c.member.atomicLockBuilder("bench-lock-" + c.id)
                    .withProtocol(protocol(ReadConsistency.LINEARIZABLE)).build();
        }
        return lockUnlock(c.own);
    }

    /** Acquires and releases the lock every caller shares; returns the fencing version. */
    public long lockShared(int caller) throws Exception {
        Caller c = caller(caller);
        if (c.shared == null) {
            c.shared = c.member.atomicLockBuilder("bench-lock-shared")
                    .withProtocol(protocol(ReadConsistency.LINEARIZABLE)).build();
        }
        return lockUnlock(c.shared);
    }

    private static long lockUnlock(AtomicLock lock) throws Exception {
        // async().lock() has no operation timeout, unlike the blocking lock(): with 64 waiters
        // on one lock a grant can take longer than Atomix's default 5 s.
        long version = lock.async().lock().get().value();
        lock.async().unlock().get();
        return version;
    }

    /** Writes {@code value} under {@code key} (unconditional put); returns the previous value's size or -1. */
    public int put(int caller, String key, byte[] value) throws Exception {
        Versioned<byte[]> prev = maps.get(caller % maps.size()).async().put(key, value).get();
        return prev == null ? -1 : prev.value().length;
    }

    /**
     * Compare-and-write on the caller's own key: replaces the value the caller knows is there
     * with the other one ({@code replace(key, old, new)}, one conditional Raft command).
     */
    public boolean compareAndWrite(int caller) throws Exception {
        Caller c = caller(caller);
        byte[] expected = casValue(c.flip);
        byte[] next = casValue(!c.flip);
        boolean ok = maps.get(caller % maps.size()).async().replace(c.key, expected, next).get();
        if (!ok) {
            throw new IllegalStateException("atomix compare-and-write on " + c.key + " failed");
        }
        c.flip = !c.flip;
        return ok;
    }

    private static byte[] casValue(boolean flip) {
        byte[] v = new byte[128];
        v[0] = (byte) (flip ? 1 : 2);
        return v;
    }

    /** Reads {@code key}: linearizable (Atomix LINEARIZABLE) or sequential (its weakest read). */
    public int read(int caller, String key, boolean linearizable) throws Exception {
        List<AtomicMap<String, byte[]>> from = linearizable ? maps : sequentialMaps;
        Versioned<byte[]> v = from.get(caller % from.size()).async().get(key).get();
        return v == null ? -1 : v.value().length;
    }

    /** Increments the shared counter: the cluster-wide strictly increasing number. */
    public long increment(int caller) throws Exception {
        return counters.get(caller % counters.size()).async().incrementAndGet().get();
    }

    /** Runs for leadership of the caller's own election, then withdraws; returns the term. */
    public long electResign(int caller) throws Exception {
        Caller c = caller(caller);
        String me = "c" + c.id;
        if (c.election == null) {
            c.election = c.member.<String>leaderElectionBuilder("bench-election-" + c.id)
                    .withProtocol(protocol(ReadConsistency.LINEARIZABLE)).build();
        }
        Leadership<String> l = c.election.async().run(me).get();
        if (l.leader() == null || !me.equals(l.leader().id())) {
            throw new IllegalStateException("atomix election " + c.id + ": not elected: " + l);
        }
        c.election.async().withdraw(me).get();
        return l.leader().term();
    }

    @Override
    public void close() throws Exception {
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        for (Atomix a : members) {
            stopping.add(a.stop());
        }
        try {
            CompletableFuture.allOf(stopping.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteRecursively(c);
            }
        }
        if (!f.delete() && f.exists()) {
            f.deleteOnExit();
        }
    }
}
