package io.tandem.state;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;

/**
 * The slots of a cron expression in a time zone, as instants (epoch ms). Parsing and matching are
 * cron-utils'; this class only maps wall-clock slots to instants, with one rule for daylight
 * saving that every replica applies the same way:
 * <ul>
 *   <li><b>Spring forward (a gap):</b> a slot whose local time does not exist (02:30 in
 *       Europe/Berlin on the last Sunday of March) is <em>moved</em> to the end of the gap, the
 *       first instant of the new offset (03:00 local). Several slots inside one gap, and a slot at
 *       the gap's end itself, are one slot: they fire once.</li>
 *   <li><b>Fall back (an overlap):</b> a local time that occurs twice (02:30 on the last Sunday of
 *       October) is one slot, at its first occurrence (the earlier offset). The second pass of
 *       the repeated hour has no slots of its own, so a job every 15 minutes pauses for that hour.</li>
 * </ul>
 * cron-utils computes the next and previous matching wall-clock time on a zone without
 * transitions (UTC); the zone only enters through {@link #resolve}.
 *
 * <p><b>Forms.</b> The Unix five-field form ({@code minute hour day-of-month month day-of-week})
 * is the default; the six-field form puts {@code second} first and is chosen explicitly. Both
 * accept {@code * , - /}, names ({@code MON}, {@code JAN}), day-of-week 0–7 (0 and 7 are Sunday),
 * {@code L}, {@code W} and {@code LW} in day-of-month, {@code L} and {@code #} in day-of-week; the
 * five-field form also takes {@code @yearly @monthly @weekly @daily @midnight @hourly}. When both
 * day fields are restricted a day matches either (Unix semantics).
 *
 * <p><b>Determinism.</b> The result depends on the expression, the zone id and the JVM's time-zone
 * rules (tzdata): every node of a cluster must run the same tzdata version, or replicas may
 * disagree on slots in zones whose rules changed. Immutable and thread-safe.
 */
public final class CronSlots {

    private static final String[] FIVE = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final String[] SIX = {"second", "minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final CronParser UNIX = new CronParser(definition(false));
    private static final CronParser SECONDS = new CronParser(definition(true));
    /** A reference start for "does it ever match": 8 years cover every 29 February. */
    private static final ZonedDateTime EPOCH_2000 = ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    private final String expression;
    private final boolean withSeconds;
    private final ExecutionTime execution;
    private final ZoneId zone;
    private final ZoneRules rules;

    private CronSlots(String expression, boolean withSeconds, ExecutionTime execution, ZoneId zone) {
        this.expression = expression;
        this.withSeconds = withSeconds;
        this.execution = execution;
        this.zone = zone;
        this.rules = zone.getRules();
    }

    private static CronDefinition definition(boolean seconds) {
        CronDefinitionBuilder b = CronDefinitionBuilder.defineCron();
        if (seconds) {
            b = b.withSeconds().withValidRange(0, 59).withStrictRange().and();
        }
        b = b.withMinutes().withValidRange(0, 59).withStrictRange().and()
                .withHours().withValidRange(0, 23).withStrictRange().and()
                .withDayOfMonth().withValidRange(1, 31).supportsL().supportsW().supportsLW().withStrictRange().and()
                .withMonth().withValidRange(1, 12).withStrictRange().and()
                .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0).supportsL()
                .supportsHash().withStrictRange().and();
        if (!seconds) {
            b = b.withSupportedNicknameYearly().withSupportedNicknameAnnually().withSupportedNicknameMonthly()
                    .withSupportedNicknameWeekly().withSupportedNicknameDaily().withSupportedNicknameMidnight()
                    .withSupportedNicknameHourly();
        }
        return b.instance();
    }

    /**
     * Parses {@code expression} for {@code zoneId}.
     *
     * @throws IllegalArgumentException with {@link #problem}'s message if it is not valid
     */
    public static CronSlots compile(String expression, boolean withSeconds, String zoneId) {
        String problem = problem(expression, withSeconds, zoneId);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Cron cron = (withSeconds ? SECONDS : UNIX).parse(expression.trim());
        return new CronSlots(expression, withSeconds, ExecutionTime.forCron(cron), ZoneId.of(zoneId));
    }

    /**
     * What is wrong with the expression or the zone, naming the field, or null when both are
     * valid. Deterministic (used in apply as well as at the call).
     */
    public static String problem(String expression, boolean withSeconds, String zoneId) {
        if (zoneId == null || zoneId.isEmpty()) {
            return "time zone must be an IANA zone id such as Europe/Berlin or UTC";
        }
        try {
            ZoneId.of(zoneId);
        } catch (DateTimeException e) {
            return "time zone '" + zoneId + "' is not a known zone id (" + e.getMessage()
                    + "); use an IANA name such as Europe/Berlin, America/New_York or UTC";
        }
        if (expression == null || expression.isBlank()) {
            return "cron expression must not be empty";
        }
        String form = withSeconds ? "the six-field form (second minute hour day-of-month month day-of-week)"
                : "the Unix five-field form (minute hour day-of-month month day-of-week)";
        String[] names = withSeconds ? SIX : FIVE;
        String[] fields = expression.trim().split("\\s+");
        if (fields.length == 1 && fields[0].startsWith("@")) {
            if (withSeconds) {
                return "cron expression '" + expression + "': nicknames such as " + fields[0]
                        + " are only accepted in the five-field form; write the six fields out";
            }
        } else if (fields.length != names.length) {
            String hint = !withSeconds && fields.length == 6
                    ? "; for a six-field expression with seconds use Cron.withSeconds(...)"
                    : withSeconds && fields.length == 5 ? "; for a five-field expression use Cron.of(...)" : "";
            return "cron expression '" + expression + "' has " + fields.length + " fields but " + form + " has "
                    + names.length + hint;
        }
        CronParser parser = withSeconds ? SECONDS : UNIX;
        Cron cron;
        try {
            cron = parser.parse(expression.trim());
            cron.validate();
        } catch (IllegalArgumentException e) {
            return "cron expression '" + expression + "': " + blame(parser, fields, names, e.getMessage());
        }
        if (ExecutionTime.forCron(cron).nextExecution(EPOCH_2000).isEmpty()) {
            return "cron expression '" + expression + "' never matches a date (for example the 30th of February)";
        }
        return null;
    }

    /** Finds the field at fault: each one alone, the others '*', must parse. */
    private static String blame(CronParser parser, String[] fields, String[] names, String whole) {
        String detail = clean(whole);
        if (fields.length == names.length) {
            for (int i = 0; i < fields.length; i++) {
                String[] probe = new String[fields.length];
                java.util.Arrays.fill(probe, "*");
                probe[i] = fields[i];
                try {
                    parser.parse(String.join(" ", probe)).validate();
                } catch (IllegalArgumentException e) {
                    return "field " + (i + 1) + " (" + names[i] + ") '" + fields[i] + "' is invalid: "
                            + clean(e.getMessage());
                }
            }
        }
        return detail;
    }

    private static String clean(String message) {
        String m = message == null ? "" : message;
        return m.replace("Failed to parse cron expression. ", "");
    }

    public String expression() {
        return expression;
    }

    public boolean withSeconds() {
        return withSeconds;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first slot strictly after {@code afterMs}, or {@link Long#MAX_VALUE} if there is none. */
    public long next(long afterMs) {
        Instant after = Instant.ofEpochMilli(afterMs);
        // Whole seconds: cron-utils keeps a fraction it is given (10.5 s -> 11.5 s).
        LocalDateTime local = LocalDateTime.ofInstant(after, zone).withNano(0);
        // Bounded: each round moves past a slot, a gap or an overlap; a year has few of those.
        for (int round = 0; round < 10_000; round++) {
            Optional<ZonedDateTime> n = execution.nextExecution(local.atZone(ZoneOffset.UTC));
            if (n.isEmpty()) {
                return Long.MAX_VALUE;
            }
            LocalDateTime slot = n.get().toLocalDateTime();
            long at = resolve(slot);
            if (at > afterMs) {
                return at;
            }
            // The slot resolved to or before `after`: it lies in a gap that maps to the gap's end,
            // or in the second pass of an overlap. Every slot up to the transition's far side
            // resolves the same way, so skip there in one step.
            ZoneOffsetTransition t = rules.getTransition(slot);
            LocalDateTime skipTo = t == null ? slot : (t.isGap() ? t.getDateTimeAfter() : t.getDateTimeBefore())
                    .minusNanos(1);
            local = skipTo.isAfter(slot) ? skipTo : slot;
        }
        throw new IllegalStateException("cron '" + expression + "' in " + zone + ": no slot found after " + after);
    }

    /** The last slot at or before {@code atMs}, or {@link Long#MIN_VALUE} if there is none. */
    public long previousOrSame(long atMs) {
        LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(atMs), zone).withNano(0).plusSeconds(1);
        Optional<ZonedDateTime> p = execution.lastExecution(local.atZone(ZoneOffset.UTC));
        if (p.isEmpty()) {
            return Long.MIN_VALUE;
        }
        long at = resolve(p.get().toLocalDateTime());
        // resolve() never maps a local time past the instant it came from, so this holds; keep it checked.
        if (at > atMs) {
            throw new IllegalStateException("cron '" + expression + "' in " + zone + ": slot " + at + " after " + atMs);
        }
        return at;
    }

    /** A wall-clock slot as an instant: the earlier offset in an overlap, the gap's end in a gap. */
    long resolve(LocalDateTime slot) {
        List<ZoneOffset> offsets = rules.getValidOffsets(slot);
        if (!offsets.isEmpty()) {
            return slot.toInstant(offsets.get(0)).toEpochMilli();
        }
        return rules.getTransition(slot).getInstant().toEpochMilli();
    }

    @Override
    public String toString() {
        return "'" + expression + "' in " + zone + (withSeconds ? " (with seconds)" : "");
    }
}
