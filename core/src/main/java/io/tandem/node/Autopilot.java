package io.tandem.node;

import io.tandem.raft.ConfChange;
import io.tandem.raft.Configuration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * The leader's membership housekeeping (after Consul's autopilot), as pure decisions: the runtime
 * and the simulator call {@link #decide} on the leader, propose what it returns, and tell it what
 * they hear ({@link #heard}). One change at a time, never while another is pending.
 *
 * <ol>
 *   <li>A learner counts as <em>stable</em> once it has been heard from and within
 *       {@code maxLagEntries} of the leader continuously for {@code stabilizationMs}.</li>
 *   <li>While there are fewer voters than {@code voterTarget}, the best stable learner is promoted.</li>
 *   <li>A voter not heard from for {@code deadServerAfterMs} is <em>replaced</em>: first a stable
 *       learner is promoted (so the voter count never dips), then, with the voter set above its
 *       target, the dead voter is removed — only if at least {@code minVoters} remain and the
 *       live ones are a majority of the new set.</li>
 *   <li>A learner not heard from for {@code deadServerAfterMs} is removed (a disk-less member that
 *       restarted under a new identity leaves its old one behind).</li>
 * </ol>
 * A member's silence counts at the earliest from when this leader started deciding and from when
 * the member entered the configuration, so neither a fresh leader nor a fresh learner condemns a
 * member it simply has not heard from yet.
 */
public final class Autopilot {

    /** @param minVoters the floor: autopilot never removes a voter if fewer would remain */
    public record Settings(long deadServerAfterMs, long stabilizationMs, int voterTarget, int minVoters,
                           long maxLagEntries) {
        public Settings {
            if (deadServerAfterMs <= 0 || stabilizationMs < 0 || voterTarget < 1 || minVoters < 1 || maxLagEntries < 0) {
                throw new IllegalArgumentException("autopilot settings out of range: " + deadServerAfterMs + " ms, "
                        + stabilizationMs + " ms, target " + voterTarget + ", floor " + minVoters + ", lag "
                        + maxLagEntries);
            }
        }
    }

    /** A membership change and why. */
    public record Decision(ConfChange change, String reason) {
    }

    private final Settings settings;
    private final TreeMap<String, Long> lastHeardMs = new TreeMap<>();
    private final TreeMap<String, Long> stableSinceMs = new TreeMap<>();
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private long startedMs = -1;
    /** When this leader first saw each member in the configuration: silence before that is no sign of death. */
    private final TreeMap<String, Long> memberSinceMs = new TreeMap<>();
    private final java.util.TreeSet<String> leaving = new java.util.TreeSet<>();

    public Autopilot(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** A message from {@code peer} arrived at {@code nowMs}. */
    public void heard(String peer, long nowMs) {
        lastHeardMs.merge(peer, nowMs, Math::max);
    }

    /**
     * The voter a leader should hand leadership to: among the other voters heard from within
     * {@code reachableMs} (a down voter could never take over, and the transfer would hold
     * proposals until it is aborted an election timeout later), the one with the highest match
     * index; null if none is reachable.
     */
    public static String handoverTarget(String self, Configuration cfg, ToLongFunction<String> matchIndex,
                                        Map<String, Long> silenceMs, java.util.function.Predicate<String> heardFrom,
                                        long reachableMs) {
        String best = null;
        long bestMatch = -1;
        for (String v : cfg.voters().keySet()) {
            boolean reachable = heardFrom.test(v) && silenceMs.getOrDefault(v, Long.MAX_VALUE) < reachableMs;
            if (!v.equals(self) && reachable && matchIndex.applyAsLong(v) > bestMatch) {
                best = v;
                bestMatch = matchIndex.applyAsLong(v);
            }
        }
        return best;
    }

    /** Whether any message from {@code peer} has arrived (in any term). */
    public boolean heardFrom(String peer) {
        return lastHeardMs.containsKey(peer);
    }

    /** {@code member} is leaving for good: replace it like a dead voter, at once. */
    public void leaving(String member) {
        leaving.add(member);
    }

    /** This node stopped leading: the next term starts its bookkeeping afresh. */
    public void reset() {
        startedMs = -1;
        stableSinceMs.clear();
        memberSinceMs.clear();
    }

    private long silentFor(String peer, long nowMs) {
        long since = Math.max(startedMs, memberSinceMs.getOrDefault(peer, startedMs));
        long heard = Math.max(lastHeardMs.getOrDefault(peer, since), since);
        return nowMs - heard;
    }

    /**
     * The next change, if any. {@code changePending}: a configuration change is proposed but not
     * committed (then nothing is decided).
     */
    public Optional<Decision> decide(String self, Configuration cfg, ToLongFunction<String> matchIndex, long lastIndex,
                                     boolean changePending, long nowMs) {
        if (startedMs < 0) {
            startedMs = nowMs;
        }
        // A learner added 130 ms ago has not answered yet: count its silence from its addition.
        for (String m : cfg.voters().keySet()) {
            memberSinceMs.putIfAbsent(m, nowMs);
        }
        for (String m : cfg.learners().keySet()) {
            memberSinceMs.putIfAbsent(m, nowMs);
        }
        memberSinceMs.keySet().removeIf(m -> !cfg.isMember(m));
        // Learner health is tracked even while a change is pending, so stabilization keeps counting.
        List<String> stable = new ArrayList<>();
        for (String learner : cfg.learners().keySet()) {
            boolean healthy = silentFor(learner, nowMs) < Math.min(settings.deadServerAfterMs(), 2_000)
                    && lastIndex - matchIndex.applyAsLong(learner) <= settings.maxLagEntries();
            if (!healthy) {
                stableSinceMs.remove(learner);
            } else {
                long since = stableSinceMs.computeIfAbsent(learner, k -> nowMs);
                if (nowMs - since >= settings.stabilizationMs()) {
                    stable.add(learner);
                }
            }
        }
        stableSinceMs.keySet().retainAll(cfg.learners().keySet());
        leaving.removeIf(m -> !cfg.isMember(m));
        if (changePending) {
            return Optional.empty();
        }
        stable.sort((a, b) -> Long.compare(matchIndex.applyAsLong(b), matchIndex.applyAsLong(a)));
        List<String> deadVoters = new ArrayList<>();
        List<String> liveVoters = new ArrayList<>();
        for (String v : cfg.voters().keySet()) {
            if (!v.equals(self) && (leaving.contains(v) || silentFor(v, nowMs) >= settings.deadServerAfterMs())) {
                deadVoters.add(v);
            } else {
                liveVoters.add(v);
            }
        }
        int voters = cfg.voters().size();
        if (!stable.isEmpty() && voters < settings.voterTarget()) {
            return record(new Decision(ConfChange.promote(stable.get(0)), "promote " + stable.get(0) + ": " + voters
                    + " voters, target " + settings.voterTarget() + "; it has been caught up for "
                    + (nowMs - stableSinceMs.get(stable.get(0))) + " ms"));
        }
        if (!deadVoters.isEmpty()) {
            String dead = deadVoters.get(0);
            if (!stable.isEmpty() && voters <= settings.voterTarget()) {
                return record(new Decision(ConfChange.promote(stable.get(0)), "promote " + stable.get(0)
                        + " to replace voter " + dead + why(dead, nowMs)));
            }
            int after = voters - 1;
            boolean quorumAfter = liveVoters.size() >= after / 2 + 1;
            if (voters > settings.voterTarget() && after >= settings.minVoters() && quorumAfter) {
                return record(new Decision(ConfChange.remove(dead), "remove voter " + dead + why(dead, nowMs) + " ("
                        + after + " voters remain, floor " + settings.minVoters() + ")"));
            }
        }
        for (String learner : cfg.learners().keySet()) {
            if (silentFor(learner, nowMs) >= settings.deadServerAfterMs()) {
                return record(new Decision(ConfChange.remove(learner), "remove learner " + learner + ", unheard for "
                        + silentFor(learner, nowMs) + " ms"));
            }
        }
        return Optional.empty();
    }

    private String why(String member, long nowMs) {
        return leaving.contains(member) ? ", which is leaving" : ", unheard for " + silentFor(member, nowMs) + " ms";
    }

    private Optional<Decision> record(Decision d) {
        recent.addLast(d.reason());
        while (recent.size() > 10) {
            recent.pollFirst();
        }
        return Optional.of(d);
    }

    /** The last decisions, oldest first (for status). */
    public List<String> recentDecisions() {
        return List.copyOf(recent);
    }

    /** Milliseconds since each other member was last heard from (for status). */
    public Map<String, Long> silence(String self, Configuration cfg, long nowMs) {
        TreeMap<String, Long> out = new TreeMap<>();
        for (String m : cfg.voters().keySet()) {
            out.put(m, silentFor(m, nowMs));
        }
        for (String m : cfg.learners().keySet()) {
            out.put(m, silentFor(m, nowMs));
        }
        out.remove(self);
        return out;
    }
}
