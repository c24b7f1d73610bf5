package io.tandem.node;

import io.tandem.raft.Configuration;
import io.tandem.raft.Message;
import io.tandem.raft.RaftCore;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.transport.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node lets in from its peers, and who they are. Raft messages step the core only from
 * members that are who their connection says (see {@link PeerGuard}; an unknown sender is asked
 * about with {@link Wire.WhoIs}, answered by members with {@link Wire.MemberOf}); the leader
 * proposes what a member forwarded only after checking it; and members report the command level
 * they read ({@link Wire.MemberVersion}) so the leader raises the cluster version once all read
 * more ({@link ClusterVersions}).
 *
 * <p><b>Threads.</b> Loop thread only. Owns the {@link PeerGuard}, the members' reported levels
 * and the times of the last version report and proposal; reads the core's configuration and the
 * state machine's cluster version, and proposes only through {@code proposeOnLeader}.
 */
final class PeerAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(PeerAdmission.class);

    private final NodeOptions opt;
    private final StateMachine sm;
    private final Supplier<RaftCore> core;
    private final Peers peers;
    private final PeerGuard guard;
    private final Consumer<List<byte[]>> proposeOnLeader;
    private final ClusterVersions clusterVersions;
    private long lastVersionReportNanos;
    private long lastVersionProposalNanos;
    private String lastVersionReportTo;

    /**
     * @param core            the node's Raft core, or null before it exists
     * @param proposeOnLeader proposes payloads when this node leads
     */
    PeerAdmission(NodeOptions opt, StateMachine sm, Supplier<RaftCore> core, Peers peers, PeerGuard guard,
                  Consumer<List<byte[]>> proposeOnLeader) {
        this.opt = opt;
        this.sm = sm;
        this.core = core;
        this.peers = peers;
        this.guard = guard;
        this.proposeOnLeader = proposeOnLeader;
        this.clusterVersions = new ClusterVersions(opt.nodeId(), opt.commandLevel());
    }

    /** See {@link PeerGuard}: identity is the connection's; only members step this node's core. */
    boolean admitRaft(String from, Message m) {
        RaftCore c = core.get();
        Configuration cfg = c == null ? Configuration.EMPTY : c.configuration();
        return guard.admitRaft(from, m.from(), m.to(), cfg, unknown -> {
            for (String member : cfg.voters().keySet()) {
                Endpoint to = member.equals(opt.nodeId()) ? null : peers.addressOf(member);
                if (to != null) {
                    peers.send(to, new Wire.WhoIs(unknown));
                }
            }
        });
    }

    /** A non-Raft message that names its sender must come from that sender's own connection. */
    boolean admitNamed(String from, String claimedId, String what) {
        return guard.admitNamed(from, claimedId, what);
    }

    /** Only the leader may refuse this node's proposals. */
    boolean isFromLeader(String from, String what) {
        RaftCore c = core.get();
        if (c == null || !from.equals(c.leaderId())) {
            guard.refuse(PeerGuard.Refusal.FORGED_SENDER, from, "sent a " + what + " but is not the leader");
            return false;
        }
        return true;
    }

    void onWhoIs(String from, Wire.WhoIs who) {
        RaftCore c = core.get();
        Endpoint back = c == null ? null : peers.addressOf(from);
        if (back != null) {
            peers.send(back, new Wire.MemberOf(who.nodeId(), c.configuration().isMember(who.nodeId())));
        }
    }

    void onMemberOf(String from, Wire.MemberOf answer) {
        RaftCore c = core.get();
        if (c != null) {
            guard.vouch(from, c.configuration(), answer.nodeId(), answer.member());
        }
    }

    void onMemberVersion(String from, Wire.MemberVersion v) {
        RaftCore c = core.get();
        if (c != null && c.configuration().isMember(from)) {
            clusterVersions.reported(from, v.commandLevel());
        }
    }

    /**
     * The leader proposes what a member forwarded only after decoding it at the cluster version
     * and checking it: a payload that cannot be decoded, is too new for some member, is invalid,
     * or runs in a session the sender does not own, is refused to its sender and never reaches
     * the log (where every replica would have to apply it). Followers ignore forwarded proposals.
     */
    void onForwarded(String from, List<byte[]> payloads) {
        RaftCore c = core.get();
        if (c == null || !c.isLeader()) {
            return;
        }
        if (!c.configuration().isMember(from)) {
            guard.refuse(PeerGuard.Refusal.NOT_A_MEMBER, from, "forwarded " + payloads.size() + " proposals but is"
                    + " not a member");
            return;
        }
        List<byte[]> admitted = new ArrayList<>(payloads.size());
        for (byte[] payload : payloads) {
            String reason;
            Envelope env = null;
            try {
                env = CommandCodec.decode(payload, sm.clusterVersion());
                reason = sm.precheck(env);
                if (reason == null) {
                    reason = ownerProblem(from, env);
                }
            } catch (IllegalArgumentException e) {
                reason = "undecodable command: " + e.getMessage();
            }
            if (reason == null) {
                admitted.add(payload);
                continue;
            }
            guard.refuse(PeerGuard.Refusal.INVALID_PROPOSAL, from, "forwarded a proposal refused before the log: "
                    + reason);
            long[] header = env != null ? new long[] {env.sessionId(), env.sequence()} : CommandCodec.header(payload);
            Endpoint back = peers.addressOf(from);
            if (back != null) {
                peers.send(back, new Wire.ProposalRefused(header == null ? 0 : header[0],
                        header == null ? 0 : header[1],
                        "leader " + opt.nodeId() + " refused the command before proposing it: " + reason));
            }
        }
        if (!admitted.isEmpty()) {
            proposeOnLeader.accept(admitted);
        }
    }

    /** A member may open sessions only for itself and run commands only in its own sessions. */
    private String ownerProblem(String from, Envelope env) {
        if (env.command() instanceof Command.OpenSession open) {
            return open.nodeId().equals(from) ? null : "opens a session for '" + open.nodeId() + "'";
        }
        if (env.command() instanceof Command.SetClusterVersion) {
            return "SetClusterVersion is proposed by the leader only";
        }
        String owner = sm.nodeOfSession(env.sessionId());
        // An unknown session is left to apply, which answers SessionExpired the same way on every replica.
        return owner == null || owner.equals(from) ? null
                : "runs in session " + env.sessionId() + " of '" + owner + "'";
    }

    /** Every tick: members tell the leader what they read; the leader raises the cluster version once all read more. */
    void versionDuties(long now) {
        RaftCore c = core.get();
        if (c.isLeader()) {
            int v = clusterVersions.toPropose(c.configuration(), sm.clusterVersion());
            if (v > 0 && now - lastVersionProposalNanos >= 1_000_000_000L) {
                lastVersionProposalNanos = now;
                LOG.info("node {}: every member reads command level {}; raising the cluster version from {}",
                        opt.nodeId(), v, sm.clusterVersion());
                proposeOnLeader.accept(List.of(CommandCodec.encode(new Envelope(0, 0, 0,
                        new Command.SetClusterVersion(v)))));
            }
        } else if (c.leaderId() != null && (now - lastVersionReportNanos >= 1_000_000_000L
                || !c.leaderId().equals(lastVersionReportTo))) {
            lastVersionReportTo = c.leaderId();
            Endpoint leader = peers.addressOf(c.leaderId());
            if (leader != null) {
                lastVersionReportNanos = now;
                peers.send(leader, new Wire.MemberVersion(opt.commandLevel()));
            }
        }
    }
}
