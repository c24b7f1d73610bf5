package io.tandem.task;

import io.tandem.InvalidArgumentException;
import io.tandem.state.CronSlots;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * When a cron schedule fires ({@link TaskQueue#schedule(String, Task, Cron)}) and what it does
 * about slots it could not fire on time. Immutable: each setter returns a copy. The expression is
 * validated here, at the call, with an error that names the bad field.
 * <pre>{@code
 * queue.schedule("nightly", Task.named("report"), Cron.of("0 2 * * *", ZoneId.of("Europe/Berlin")));
 * queue.schedule("poll", Task.named("poll"), Cron.withSeconds("0/10 * * * * *", ZoneOffset.UTC)
 *         .concurrency(Cron.Concurrency.FORBID).startingDeadline(Duration.ofSeconds(5)));
 * }</pre>
 *
 * <p><b>Forms.</b> {@link #of} takes the Unix five-field form {@code minute hour day-of-month month
 * day-of-week} (and {@code @daily} etc.); {@link #withSeconds} takes six fields with {@code second}
 * first. See {@link CronSlots} for the syntax and for daylight saving: a slot in the
 * spring-forward gap fires once at the end of the gap; a slot in the repeated fall-back hour fires
 * once, at its first occurrence.
 *
 * <p><b>Defaults.</b> Zone UTC; misfire {@link Misfire#FIRE_ONCE}; misfire threshold one minute;
 * no starting deadline; concurrency {@link Concurrency#ALLOW}; the last 20 runs kept.
 * docs/guarantees.md states what each policy guarantees.
 */
public final class Cron {

    /** What happens to slots decided later than the misfire threshold (the cluster had no majority, or was down). */
    public enum Misfire {
        /** One run for the latest misfired slot; the other misfired slots are reported missed. */
        FIRE_ONCE,
        /** No run: every misfired slot is reported missed; the schedule waits for its next slot. */
        SKIP,
        /** One run per misfired slot, for the latest {@link #misfireFireEach bound} of them; older ones are missed. */
        FIRE_EACH
    }

    /** What a slot does while an earlier run of the schedule has not finished (Kubernetes CronJob's policies). */
    public enum Concurrency {
        /** Run anyway: runs may overlap. */
        ALLOW,
        /** Skip the slot (reported as SKIPPED_RUNNING). */
        FORBID,
        /** Cancel the unfinished runs (a running one loses its claim: its result is refused) and run. */
        REPLACE
    }

    public static final Duration DEFAULT_MISFIRE_THRESHOLD = Duration.ofMinutes(1);
    public static final int DEFAULT_KEEP_RUNS = 20;

    final String expression;
    final boolean withSeconds;
    final ZoneId zone;
    final Misfire misfire;
    final int misfireMaxFires;
    final Duration misfireThreshold;
    final Duration startingDeadline;
    final Concurrency concurrency;
    final int keepRuns;

    private Cron(String expression, boolean withSeconds, ZoneId zone, Misfire misfire, int misfireMaxFires,
                 Duration misfireThreshold, Duration startingDeadline, Concurrency concurrency, int keepRuns) {
        this.expression = expression;
        this.withSeconds = withSeconds;
        this.zone = zone;
        this.misfire = misfire;
        this.misfireMaxFires = misfireMaxFires;
        this.misfireThreshold = misfireThreshold;
        this.startingDeadline = startingDeadline;
        this.concurrency = concurrency;
        this.keepRuns = keepRuns;
    }

    /** A Unix five-field expression in UTC. */
    public static Cron of(String expression) {
        return of(expression, ZoneOffset.UTC);
    }

    /** A Unix five-field expression ({@code minute hour day-of-month month day-of-week}) in {@code zone}. */
    public static Cron of(String expression, ZoneId zone) {
        return create(expression, false, zone);
    }

    /** A six-field expression with seconds first ({@code second minute hour day-of-month month day-of-week}). */
    public static Cron withSeconds(String expression, ZoneId zone) {
        return create(expression, true, zone);
    }

    private static Cron create(String expression, boolean withSeconds, ZoneId zone) {
        if (zone == null) {
            throw new InvalidArgumentException("time zone of cron expression '" + expression + "' must not be null;"
                    + " use ZoneOffset.UTC or ZoneId.of(\"Europe/Berlin\")");
        }
        String zoneId = zoneId(zone);
        String problem = CronSlots.problem(expression, withSeconds, zoneId);
        if (problem != null) {
            throw new InvalidArgumentException(problem);
        }
        return new Cron(expression.trim(), withSeconds, zone, Misfire.FIRE_ONCE, 1, DEFAULT_MISFIRE_THRESHOLD,
                Duration.ZERO, Concurrency.ALLOW, DEFAULT_KEEP_RUNS);
    }

    static String zoneId(ZoneId zone) {
        return zone.normalized() instanceof ZoneOffset o && o.getTotalSeconds() == 0 ? "UTC" : zone.getId();
    }

    /** Misfired slots: one run for the latest (the default). */
    public Cron misfireFireOnce() {
        return new Cron(expression, withSeconds, zone, Misfire.FIRE_ONCE, 1, misfireThreshold, startingDeadline,
                concurrency, keepRuns);
    }

    /** Misfired slots: no run. */
    public Cron misfireSkip() {
        return new Cron(expression, withSeconds, zone, Misfire.SKIP, 1, misfireThreshold, startingDeadline,
                concurrency, keepRuns);
    }

    /** Misfired slots: one run each, for at most the latest {@code maxFires} (1..1000) of them. */
    public Cron misfireFireEach(int maxFires) {
        if (maxFires < 1 || maxFires > 1000) {
            throw new InvalidArgumentException("fire-each misfire bound must be between 1 and 1000, was " + maxFires);
        }
        return new Cron(expression, withSeconds, zone, Misfire.FIRE_EACH, maxFires, misfireThreshold,
                startingDeadline, concurrency, keepRuns);
    }

    /** A slot decided later than this after its time has misfired (default one minute; zero allowed). */
    public Cron misfireThreshold(Duration threshold) {
        if (threshold == null || threshold.isNegative()) {
            throw new InvalidArgumentException("misfire threshold must be zero or positive, was " + threshold);
        }
        return new Cron(expression, withSeconds, zone, misfire, misfireMaxFires, threshold, startingDeadline,
                concurrency, keepRuns);
    }

    /** A slot that cannot start within this after its time is reported missed, whatever the misfire policy. */
    public Cron startingDeadline(Duration deadline) {
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new InvalidArgumentException("starting deadline must be positive, was " + deadline
                    + " (leave it unset for none)");
        }
        return new Cron(expression, withSeconds, zone, misfire, misfireMaxFires, misfireThreshold, deadline,
                concurrency, keepRuns);
    }

    public Cron concurrency(Concurrency policy) {
        if (policy == null) {
            throw new InvalidArgumentException("concurrency policy must not be null (ALLOW, FORBID or REPLACE)");
        }
        return new Cron(expression, withSeconds, zone, misfire, misfireMaxFires, misfireThreshold, startingDeadline,
                policy, keepRuns);
    }

    /** How many of the latest slot decisions the schedule keeps for {@link TaskQueue#schedules()} (0..10000). */
    public Cron keepRuns(int runs) {
        if (runs < 0 || runs > 10_000) {
            throw new InvalidArgumentException("runs to keep must be between 0 and 10000, was " + runs);
        }
        return new Cron(expression, withSeconds, zone, misfire, misfireMaxFires, misfireThreshold, startingDeadline,
                concurrency, runs);
    }

    public String expression() {
        return expression;
    }

    public boolean hasSeconds() {
        return withSeconds;
    }

    public ZoneId zone() {
        return zone;
    }

    public Misfire misfire() {
        return misfire;
    }

    public Concurrency concurrencyPolicy() {
        return concurrency;
    }

    @Override
    public String toString() {
        return "Cron{'" + expression + "' " + zoneId(zone) + (withSeconds ? " with seconds" : "") + ", misfire "
                + misfire + (misfire == Misfire.FIRE_EACH ? "(" + misfireMaxFires + ")" : "") + " after "
                + misfireThreshold.toMillis() + " ms, deadline " + (startingDeadline.isZero() ? "none"
                : startingDeadline.toMillis() + " ms") + ", " + concurrency + "}";
    }
}
