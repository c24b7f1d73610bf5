package io.tandem.node;

import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.TandemException;
import io.tandem.raft.ConfChange;
import io.tandem.raft.Configuration;
import io.tandem.raft.NotLeaderException;
import io.tandem.raft.RaftCore;
import io.tandem.transport.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes to the cluster's membership once it runs: the leader answers join requests by adding a
 * learner, autopilot (on the leader) promotes stable learners and replaces dead or leaving voters,
 * a member leaving for good asks the leader to replace it, and the operator lists members,
 * changes them and hands leadership over. Forming the cluster is {@link Formation}'s job.
 *
 * <p><b>Threads.</b> Loop thread only. Owns the {@link Autopilot} (who was heard from when, what
 * it decided) and the state of this node's own leave; proposes configuration changes through the
 * core. Never blocks; the leave's future completes on the {@code callbacks} executor.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final NodeOptions opt;
    private final Clock clock;
    private final Supplier<RaftCore> core;
    private final Peers peers;
    private final Executor callbacks;
    private final Supplier<String> lastKnownLeader;
    private final Runnable dropLease;
    private final Autopilot autopilot;

    private CompletableFuture<Void> leaveFuture;
    private boolean leaveConfirmed;
    private long leaveDeadlineNanos;
    private long leaveSentNanos;

    /**
     * @param core            the node's Raft core, or null before it exists
     * @param lastKnownLeader the last leader this node saw (a leaving node soon loses track of it)
     * @param dropLease       drops this node's leader lease before it hands leadership over
     */
    Membership(NodeOptions opt, Clock clock, Supplier<RaftCore> core, Peers peers, Executor callbacks,
               Supplier<String> lastKnownLeader, Runnable dropLease) {
        this.opt = opt;
        this.clock = clock;
        this.core = core;
        this.peers = peers;
        this.callbacks = callbacks;
        this.lastKnownLeader = lastKnownLeader;
        this.dropLease = dropLease;
        this.autopilot = new Autopilot(opt.autopilot());
    }

    /** A Raft message from {@code nodeId} arrived (autopilot's liveness signal). */
    void heard(String nodeId) {
        autopilot.heard(nodeId, clock.monotonicNanos() / 1_000_000);
    }

    /** Every tick on the leader: lets autopilot propose one change when one is due. */
    void leaderDuties(long now) {
        RaftCore c = core.get();
        Configuration cfg = c.configuration();
        Optional<Autopilot.Decision> d = autopilot.decide(opt.nodeId(), cfg, c::matchIndex, c.lastIndex(),
                c.hasPendingConfChange(), now / 1_000_000);
        if (d.isPresent()) {
            try {
                c.proposeConfChange(d.get().change());
                LOG.info("node {}: autopilot: {}", opt.nodeId(), d.get().reason());
            } catch (TandemException e) {
                LOG.debug("node {}: autopilot could not {} yet: {}", opt.nodeId(), d.get().reason(), e.getMessage());
            }
        }
    }

    /** Every tick off the leader: autopilot's observations start afresh when this node leads again. */
    void notLeading() {
        autopilot.reset();
    }

    // ------------------------------------------------------------------ join

    void onJoinRequest(Wire.JoinRequest join) {
        RaftCore c = core.get();
        Endpoint reply = Endpoint.parse(join.address());
        if (c == null || !c.isLeader()) {
            String leader = c == null || c.leaderId() == null ? null : String.valueOf(peers.addressOf(c.leaderId()));
            peers.send(reply, new Wire.JoinResponse(false, leader, "node " + opt.nodeId() + " is not the leader"));
            return;
        }
        Configuration cfg = c.configuration();
        if (cfg.isMember(join.nodeId())) {
            boolean same = join.address().equals(cfg.address(join.nodeId()));
            peers.send(reply, new Wire.JoinResponse(false, opt.advertise().toString(), same
                    ? "node " + join.nodeId() + " is already a member but asked to join with an empty data directory;"
                    + " a member that lost its data must be removed first (or start it with a new node id)"
                    : "node id " + join.nodeId() + " is already used by the member at " + cfg.address(join.nodeId())
                    + "; node ids must be unique"));
            return;
        }
        try {
            c.proposeConfChange(ConfChange.addLearner(join.nodeId(), join.address()));
            peers.send(reply, new Wire.JoinResponse(true, opt.advertise().toString(), "adding " + join.nodeId()
                    + " as a learner"));
        } catch (TandemException e) {
            peers.send(reply, new Wire.JoinResponse(false, opt.advertise().toString(), e.getMessage()));
        }
    }

    // ------------------------------------------------------------------ leave

    /** Starts leaving the voter set for good; see {@link RaftNode#leave}. */
    void leave(long timeoutMs, CompletableFuture<Void> f) {
        leaveFuture = f;
        leaveDeadlineNanos = clock.monotonicNanos() + ms(timeoutMs);
        leaveConfirmed = false;
        leaveDuties(clock.monotonicNanos());
    }

    /** Every tick: asks the leader again, or completes the leave once it has an outcome. */
    void leaveDuties(long now) {
        RaftCore c = core.get();
        if (leaveFuture == null || c == null) {
            return;
        }
        Configuration cfg = c.configuration();
        String outcome = null;
        if (leaveConfirmed || !cfg.isVoter(opt.nodeId())) {
            outcome = "no longer a voter";
        } else if (cfg.learners().isEmpty()) {
            outcome = "no learner can replace it; it stays a voter and autopilot replaces it once one joins";
        } else if (now - leaveDeadlineNanos > 0) {
            outcome = "not replaced in time; autopilot replaces it once it is found dead";
        } else if (now - leaveSentNanos >= ms(opt.retryMs()) && !opt.nodeId().equals(c.leaderId())
                && (c.leaderId() != null || lastKnownLeader.get() != null)) {
            // Once removed, this node gets no more log or heartbeats and soon loses track of the
            // leader: keep asking the last one it knew, which answers with a LeaveResponse.
            leaveSentNanos = now;
            Endpoint leader = peers.addressOf(c.leaderId() != null ? c.leaderId() : lastKnownLeader.get());
            if (leader != null) {
                peers.send(leader, new Wire.LeaveRequest(opt.nodeId(), opt.advertise().toString()));
            }
        }
        if (outcome != null) {
            LOG.info("node {}: leaving: {}", opt.nodeId(), outcome);
            CompletableFuture<Void> f = leaveFuture;
            leaveFuture = null;
            callbacks.execute(() -> f.complete(null));
        }
    }

    /** On the leader: a voter leaving for good is replaced by autopilot; anyone else is told it is done. */
    void onLeaveRequest(Wire.LeaveRequest leave) {
        RaftCore c = core.get();
        if (c != null && c.isLeader()) {
            if (c.configuration().isVoter(leave.nodeId())) {
                LOG.info("node {}: {} is leaving for good; autopilot will replace it", opt.nodeId(), leave.nodeId());
                autopilot.leaving(leave.nodeId());
            } else if (!c.hasPendingConfChange()) {
                peers.send(Endpoint.parse(leave.address()), new Wire.LeaveResponse(leave.nodeId()));
            }
        }
    }

    void onLeaveResponse(Wire.LeaveResponse done) {
        if (done.nodeId().equals(opt.nodeId())) {
            leaveConfirmed = true;
        }
    }

    // ------------------------------------------------------------------ operator

    /** What autopilot decided lately and how long each member has been silent (leader only; empty elsewhere). */
    List<String> autopilotReport() {
        RaftCore c = core.get();
        List<String> out = new ArrayList<>();
        if (c != null && c.isLeader()) {
            autopilot.silence(opt.nodeId(), c.configuration(), clock.monotonicNanos() / 1_000_000)
                    .forEach((m, ms) -> out.add("silent " + m + " " + ms + " ms"));
            autopilot.recentDecisions().forEach(r -> out.add("decided " + r));
        }
        return out;
    }

    /** The configuration's members as this node sees it; match index and silence only on the leader. */
    List<MemberInfo> members() {
        RaftCore c = core.get();
        List<MemberInfo> out = new ArrayList<>();
        if (c != null) {
            Configuration cfg = c.configuration();
            boolean leads = c.isLeader();
            Map<String, Long> silence = leads
                    ? autopilot.silence(opt.nodeId(), cfg, clock.monotonicNanos() / 1_000_000) : Map.of();
            for (boolean voters : new boolean[] {true, false}) {
                for (String m : (voters ? cfg.voters() : cfg.learners()).keySet()) {
                    out.add(new MemberInfo(m, cfg.address(m), voters, m.equals(c.leaderId()),
                            leads ? (m.equals(opt.nodeId()) ? c.lastIndex() : c.matchIndex(m)) : -1,
                            silence.getOrDefault(m, -1L)));
                }
            }
        }
        return out;
    }

    /** Proposes one membership change on the leader; returns the index of its entry. */
    long changeMembership(ConfChange change) {
        requireLeaderForOperator();
        RaftCore c = core.get();
        if (change.type() == ConfChange.Type.REMOVE && change.nodeId().equals(opt.nodeId())) {
            throw new InvalidArgumentException("node " + opt.nodeId() + " leads; it cannot remove"
                    + " itself. Transfer leadership first (tandem leader transfer), then remove it");
        }
        if (!c.configuration().isMember(change.nodeId())) {
            throw new NotFoundException("node " + change.nodeId() + " is not a member (voters "
                    + c.configuration().voters().keySet() + ", learners "
                    + c.configuration().learners().keySet() + ")");
        }
        return c.proposeConfChange(change);
    }

    /** Hands leadership to {@code target} (null: the best reachable voter); returns the target. */
    String transferLeadership(String target) {
        requireLeaderForOperator();
        RaftCore c = core.get();
        String to = target != null ? target : transferTarget();
        if (to == null) {
            throw new InvalidArgumentException("node " + opt.nodeId() + " leads and no other voter"
                    + " is reachable to take over (voters " + c.configuration().voters().keySet() + ")");
        }
        dropLease.run(); // the target may win before any lease runs out
        c.transferLeadership(to);
        return to;
    }

    /** Hands leadership to the best reachable voter if this node leads; the voter chosen, or null. */
    String transferLeadershipAway() {
        RaftCore c = core.get();
        String best = null;
        if (c != null && c.isLeader()) {
            best = transferTarget();
            if (best != null) {
                dropLease.run(); // the target may win before any lease runs out
                c.transferLeadership(best);
            }
        }
        return best;
    }

    /**
     * The voter to hand leadership to: among the voters heard from within an election timeout
     * (a down voter could never take over, and the transfer would hold proposals until it is
     * aborted), the one with the highest match index; null if none is reachable.
     */
    private String transferTarget() {
        RaftCore c = core.get();
        long nowMs = clock.monotonicNanos() / 1_000_000;
        long reachableMs = opt.tickMs() * opt.raft().electionTimeoutTicks();
        return Autopilot.handoverTarget(opt.nodeId(), c.configuration(), c::matchIndex,
                autopilot.silence(opt.nodeId(), c.configuration(), nowMs), autopilot::heardFrom, reachableMs);
    }

    private void requireLeaderForOperator() {
        RaftCore c = core.get();
        if (c == null || !c.isLeader()) {
            String leader = c == null ? null : c.leaderId();
            Endpoint address = leader == null ? null : peers.addressOf(leader);
            throw new NotLeaderException(opt.nodeId(), c == null ? 0 : c.term(),
                    address == null ? null : address.toString());
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
