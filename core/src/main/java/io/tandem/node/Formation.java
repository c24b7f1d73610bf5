package io.tandem.node;

import io.tandem.TandemException;
import io.tandem.raft.Configuration;
import io.tandem.transport.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a fresh node finds its cluster (loop thread only).
 *
 * <p><b>Founders</b> are the nodes whose advertised address appears in the seed list. A fresh
 * founder asks every other seed who it is and whether it already belongs to a cluster. Once every
 * seed has answered: if any belongs to a cluster, this node joins it as a learner; otherwise all
 * founders bootstrap the same voter configuration — every seed, by the node id it reported — so
 * they agree without further messages. Founders refuse to form a cluster when their seed lists
 * differ or two seeds report the same node id: a wrong setup fails loudly instead of splitting into
 * two clusters. Like Consul's {@code bootstrap-expect} equal to the seed count, formation waits
 * until every seed is up.
 *
 * <p><b>Joiners</b> (every other fresh node, and a founder that finds a cluster already formed)
 * ask the seeds, then the leader they are pointed to, to add them as a learner. The leader
 * promotes learners to voters while the voter set is below its target size.
 */
final class Formation {

    private static final Logger LOG = LoggerFactory.getLogger(Formation.class);
    private static final int RESEND_TICKS = 5;
    private static final int JOIN_RETRY_TICKS = 10;

    private final NodeOptions opt;
    private final BiConsumer<Endpoint, Object> send;
    private final TreeMap<String, Wire.DiscoverResponse> answers = new TreeMap<>();
    private boolean clusterExists;
    private TandemException setupError;
    private int ticks;
    private int seedCursor;
    private Endpoint joinTarget;
    private String lastJoinMessage;

    Formation(NodeOptions opt, BiConsumer<Endpoint, Object> send) {
        this.opt = opt;
        this.send = send;
    }

    /** Returns the founding configuration once every seed answered and none has a cluster. */
    Optional<Configuration> tickDiscovery() {
        if (setupError != null) {
            throw setupError;
        }
        List<Endpoint> others = new ArrayList<>();
        for (Endpoint seed : opt.seeds()) {
            if (!seed.equals(opt.advertise())) {
                others.add(seed);
            }
        }
        if (ticks++ % RESEND_TICKS == 0) {
            for (Endpoint seed : others) {
                if (!answers.containsKey(seed.toString())) {
                    send.accept(seed, new Wire.DiscoverRequest(opt.nodeId(), opt.advertise().toString(), seedStrings()));
                }
            }
        }
        if (answers.size() < others.size() || clusterExists) {
            return Optional.empty();
        }
        TreeMap<String, String> voters = new TreeMap<>();
        voters.put(opt.nodeId(), opt.advertise().toString());
        for (Wire.DiscoverResponse r : answers.values()) {
            String previous = voters.putIfAbsent(r.nodeId(), r.address());
            if (previous != null) {
                throw new TandemException("seeds " + previous + " and " + r.address() + " both use node id '"
                        + r.nodeId() + "'; every node needs a unique id. Fix the configuration and restart");
            }
        }
        return Optional.of(Configuration.ofVoters(voters));
    }

    boolean clusterExists() {
        return clusterExists;
    }

    /** Records a setup error if a peer founder lists other seeds than this node. */
    void checkSeeds(String peerId, String peerAddress, List<String> peerSeeds) {
        if (setupError == null && !new TreeSet<>(peerSeeds).equals(new TreeSet<>(seedStrings()))) {
            setupError = new TandemException("node " + opt.nodeId() + ": seed " + peerAddress + " (" + peerId
                    + ") was started with seeds " + new TreeSet<>(peerSeeds) + " but this node with "
                    + new TreeSet<>(seedStrings()) + "; every founder must list the same seeds, or they could form"
                    + " two clusters. Fix the seed lists and restart");
        }
    }

    void onDiscoverResponse(Wire.DiscoverResponse r) {
        checkSeeds(r.nodeId(), r.address(), r.seeds());
        if (setupError != null) {
            return;
        }
        if (r.nodeId().equals(opt.nodeId()) && !r.address().equals(opt.advertise().toString())) {
            setupError = new TandemException("node id '" + opt.nodeId() + "' is used by both " + opt.advertise()
                    + " and " + r.address() + "; every node needs a unique id");
            return;
        }
        answers.put(r.address(), r);
        if (r.formed() && !clusterExists) {
            clusterExists = true;
            joinTarget = Endpoint.parse(r.address());
            LOG.info("node {}: seed {} ({}) already belongs to a cluster; joining it instead of bootstrapping",
                    opt.nodeId(), r.address(), r.nodeId());
        }
    }

    /** Asks to be added as a learner, every few ticks, until the node sees itself in the configuration. */
    void tickJoin(Endpoint leaderHint) {
        if (ticks++ % JOIN_RETRY_TICKS != 0) {
            return;
        }
        Endpoint target = leaderHint != null ? leaderHint : joinTarget;
        if (target == null || target.equals(opt.advertise())) {
            List<Endpoint> seeds = opt.seeds();
            if (seeds.isEmpty()) {
                throw new TandemException("node " + opt.nodeId() + " has no seeds to join through; configure seeds");
            }
            target = seeds.get(seedCursor++ % seeds.size());
            if (target.equals(opt.advertise()) && seeds.size() > 1) {
                target = seeds.get(seedCursor++ % seeds.size());
            }
        }
        send.accept(target, new Wire.JoinRequest(opt.nodeId(), opt.advertise().toString()));
    }

    void onJoinResponse(Wire.JoinResponse r) {
        if (r.leaderAddress() != null && !r.leaderAddress().equals("null")) {
            joinTarget = Endpoint.parse(r.leaderAddress());
        }
        if (!r.message().equals(lastJoinMessage)) {
            lastJoinMessage = r.message();
            if (r.accepted()) {
                LOG.info("node {}: join accepted: {}", opt.nodeId(), r.message());
            } else {
                LOG.warn("node {}: join not accepted yet: {}", opt.nodeId(), r.message());
            }
        }
    }

    private List<String> seedStrings() {
        List<String> out = new ArrayList<>();
        for (Endpoint e : opt.seeds()) {
            out.add(e.toString());
        }
        return out;
    }
}
