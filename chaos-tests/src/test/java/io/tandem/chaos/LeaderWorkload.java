package io.tandem.chaos;

import io.tandem.leader.LeaderElection;
import io.tandem.leader.Leadership;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Leader: every client process is a candidate of one election group and a watcher of it. A leader
 * "acts" every 50 ms while {@code isValid()} holds, for 0.5–3 s, then resigns; a leadership
 * also ends by revocation (session expiry, local revocation under a pause or partition).
 * {@link LeaderChecker} judges it. Records: {@code E id client invokeNanos ackNanos term},
 * {@code A client term nanos}, {@code X client term nanos how}, {@code O client nanos term}.
 */
final class LeaderWorkload implements Workload {

    static final String GROUP = "chaos-leader";

    @Override
    public String name() {
        return "leader";
    }

    @Override
    public void drive(Context ctx) throws Exception {
        int client = ctx.clientIndex();
        LeaderElection election = ctx.node().leader(GROUP);
        AutoCloseable watch = election.watch(info -> ctx.history().write("O", client, HistoryWriter.now(),
                info.map(i -> i.term()).orElse(0L)));
        List<Leadership> held = new ArrayList<>();
        int n = 0;
        while (ctx.running()) {
            String id = client + "-" + n++;
            long invoked = HistoryWriter.now();
            Leadership lead;
            try {
                // Bounded so that the run can end; a candidacy that times out is withdrawn.
                var maybe = election.tryElect(java.time.Duration.ofSeconds(3));
                if (maybe.isEmpty()) {
                    continue;
                }
                lead = maybe.get();
            } catch (RuntimeException e) {
                RegisterWorkload.pause(100);
                continue;
            }
            long term = lead.term();
            ctx.history().write("E", id, client, invoked, HistoryWriter.now(), term);
            held.add(lead);
            lead.revoked().thenAccept(why -> ctx.history().write("X", client, term, HistoryWriter.now(),
                    "revoked:" + why.replace('\t', ' ').replace('\n', ' ')));
            long until = HistoryWriter.now() + TimeUnit.MILLISECONDS.toNanos(500 + ctx.random().nextInt(2500));
            while (HistoryWriter.now() < until) {
                long at = HistoryWriter.now();
                if (!lead.isValid()) {
                    break;
                }
                ctx.history().write("A", client, term, at);
                RegisterWorkload.pause(50);
            }
            try {
                lead.resign();
            } catch (RuntimeException e) {
                // the leadership ends with the session anyway
            }
            RegisterWorkload.pause(ctx.random().nextInt(200));
        }
        // Give revocations in flight time to arrive before the history is closed.
        long settle = HistoryWriter.now() + TimeUnit.SECONDS.toNanos(10);
        for (Leadership l : held) {
            long left = settle - HistoryWriter.now();
            try {
                l.revoked().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // reported by the checker if it matters
            }
        }
        watch.close();
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        List<LeaderChecker.Election> elections = new ArrayList<>();
        List<LeaderChecker.Act> acts = new ArrayList<>();
        List<LeaderChecker.End> ends = new ArrayList<>();
        List<LeaderChecker.Observation> observations = new ArrayList<>();
        for (String[] r : HistoryWriter.read(histories)) {
            switch (r[0]) {
                case "E" -> elections.add(new LeaderChecker.Election(r[1], Integer.parseInt(r[2]), Long.parseLong(r[3]),
                        Long.parseLong(r[4]), Long.parseLong(r[5])));
                case "A" -> acts.add(new LeaderChecker.Act(Integer.parseInt(r[1]), Long.parseLong(r[2]),
                        Long.parseLong(r[3])));
                case "X" -> ends.add(new LeaderChecker.End(Integer.parseInt(r[1]), Long.parseLong(r[2]),
                        Long.parseLong(r[3]), r[4]));
                case "O" -> observations.add(new LeaderChecker.Observation(Integer.parseInt(r[1]), Long.parseLong(r[2]),
                        Long.parseLong(r[3])));
                default -> {
                }
            }
        }
        return LeaderChecker.check(elections, acts, ends, observations);
    }
}
