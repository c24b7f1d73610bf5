package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cron slots as instants: expressions, zones, daylight saving, leap days, month ends, every error message. */
class CronSlotsTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static long at(String local, ZoneId zone) {
        return LocalDateTime.parse(local).atZone(zone).toInstant().toEpochMilli();
    }

    private static String local(long ms, ZoneId zone) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(ms), zone).toOffsetDateTime().toString();
    }

    /** The next {@code n} slots after {@code from} (local time in the zone), as offset date-times in the zone. */
    private static List<String> slots(String expr, boolean seconds, ZoneId zone, String from, int n) {
        CronSlots c = CronSlots.compile(expr, seconds, zone.getId());
        List<String> out = new ArrayList<>();
        long t = at(from, zone);
        for (int i = 0; i < n; i++) {
            t = c.next(t);
            out.add(local(t, zone));
        }
        return out;
    }

    @Test
    void unixFiveFieldsInAZone() {
        assertEquals(List.of("2024-01-16T02:00+01:00", "2024-01-17T02:00+01:00"),
                slots("0 2 * * *", false, BERLIN, "2024-01-15T02:00", 2));
        assertEquals(List.of("2024-01-19T17:45-05:00", "2024-01-22T09:00-05:00"),
                slots("*/15 9-17 * * MON-FRI", false, NEW_YORK, "2024-01-19T17:30", 2));
        assertEquals(List.of("2024-02-01T00:00Z", "2024-03-01T00:00Z"),
                slots("@monthly", false, ZoneId.of("UTC"), "2024-01-15T00:00", 2));
    }

    @Test
    void sixFieldsWithSecondsFirst() {
        assertEquals(List.of("2024-01-15T10:00:01Z", "2024-01-15T10:00:02Z", "2024-01-15T10:00:03Z"),
                slots("* * * * * *", true, ZoneId.of("UTC"), "2024-01-15T10:00", 3));
        assertEquals(List.of("2024-01-15T10:00:30Z", "2024-01-15T10:01:30Z"),
                slots("30 * * * * *", true, ZoneId.of("UTC"), "2024-01-15T10:00", 2));
    }

    // ------------------------------------------------------------------ daylight saving

    @Test
    void berlinSpringForwardMovesTheGapSlotToTheGapEnd() {
        // 2024-03-31: 02:00 CET -> 03:00 CEST. The 02:30 slot runs at 03:00 CEST, once.
        assertEquals(List.of("2024-03-30T02:30+01:00", "2024-03-31T03:00+02:00", "2024-04-01T02:30+02:00"),
                slots("30 2 * * *", false, BERLIN, "2024-03-30T00:00", 3));
        // An hourly job: 01:30, then 02:30 moved to 03:00, then 03:30 as usual.
        assertEquals(List.of("2024-03-31T01:30+01:00", "2024-03-31T03:00+02:00", "2024-03-31T03:30+02:00"),
                slots("30 * * * *", false, BERLIN, "2024-03-31T01:00", 3));
        // Slots inside the gap and the one at its end are one slot.
        assertEquals(List.of("2024-03-31T01:45+01:00", "2024-03-31T03:00+02:00", "2024-03-31T03:15+02:00"),
                slots("*/15 * * * *", false, BERLIN, "2024-03-31T01:30", 3));
    }

    @Test
    void berlinFallBackFiresOnceAtTheFirstOccurrence() {
        // 2024-10-27: 03:00 CEST -> 02:00 CET; 02:30 happens twice, the slot once (CEST).
        assertEquals(List.of("2024-10-26T02:30+02:00", "2024-10-27T02:30+02:00", "2024-10-28T02:30+01:00"),
                slots("30 2 * * *", false, BERLIN, "2024-10-26T00:00", 3));
        // Asked from inside the second pass of the repeated hour: the next slot is the next day's.
        long secondPass = at("2024-10-27T02:45", BERLIN) + 3_600_000; // 02:45 CET
        assertEquals("2024-10-28T02:30+01:00",
                local(CronSlots.compile("30 2 * * *", false, "Europe/Berlin").next(secondPass), BERLIN));
        // Hourly: 01:30, 02:30 (CEST), then 03:30 CET; no second 02:30.
        assertEquals(List.of("2024-10-27T01:30+02:00", "2024-10-27T02:30+02:00", "2024-10-27T03:30+01:00"),
                slots("30 * * * *", false, BERLIN, "2024-10-27T01:00", 3));
    }

    @Test
    void newYorkBothTransitions() {
        // 2024-03-10: 02:00 EST -> 03:00 EDT.
        assertEquals(List.of("2024-03-09T02:30-05:00", "2024-03-10T03:00-04:00", "2024-03-11T02:30-04:00"),
                slots("30 2 * * *", false, NEW_YORK, "2024-03-09T00:00", 3));
        // 2024-11-03: 02:00 EDT -> 01:00 EST; 01:30 happens twice, fires once (EDT).
        assertEquals(List.of("2024-11-02T01:30-04:00", "2024-11-03T01:30-04:00", "2024-11-04T01:30-05:00"),
                slots("30 1 * * *", false, NEW_YORK, "2024-11-02T00:00", 3));
        // A job every 20 minutes pauses through the repeated hour (its second pass has no slots of its own).
        assertEquals(List.of("2024-11-03T01:20-04:00", "2024-11-03T01:40-04:00", "2024-11-03T02:00-05:00"),
                slots("*/20 * * * *", false, NEW_YORK, "2024-11-03T01:00", 3));
    }

    @Test
    void previousOrSameAgreesWithNextAcrossTransitions() {
        for (ZoneId zone : List.of(BERLIN, NEW_YORK)) {
            for (String expr : List.of("30 2 * * *", "*/15 * * * *", "30 1 * * *", "0 3 * * *")) {
                CronSlots c = CronSlots.compile(expr, false, zone.getId());
                for (String day : List.of("2024-03-09T12:00", "2024-03-30T12:00", "2024-10-26T12:00",
                        "2024-11-02T12:00")) {
                    long t = at(day, zone);
                    for (int i = 0; i < 200; i++) {
                        long n = c.next(t);
                        assertTrue(n > t);
                        assertEquals(n, c.previousOrSame(n), expr + " " + zone + " at " + local(n, zone));
                        assertEquals(t == at(day, zone) ? c.previousOrSame(t) : t, c.previousOrSame(n - 1),
                                expr + " " + zone + " just before " + local(n, zone));
                        t = n;
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ calendar

    @Test
    void leapDayFiresEveryFourYears() {
        assertEquals(List.of("2024-02-29T12:00Z", "2028-02-29T12:00Z", "2032-02-29T12:00Z"),
                slots("0 12 29 2 *", false, ZoneId.of("UTC"), "2023-03-01T00:00", 3));
    }

    @Test
    void monthEnds() {
        // L: the last day of each month, leap February included.
        assertEquals(List.of("2024-01-31T23:00Z", "2024-02-29T23:00Z", "2024-03-31T23:00Z", "2024-04-30T23:00Z"),
                slots("0 23 L * *", false, ZoneId.of("UTC"), "2024-01-15T00:00", 4));
        assertEquals("2023-02-28T23:00Z", slots("0 23 L * *", false, ZoneId.of("UTC"), "2023-02-01T00:00", 1).get(0));
        // The 31st skips the months without one.
        assertEquals(List.of("2024-01-31T00:00Z", "2024-03-31T00:00Z", "2024-05-31T00:00Z"),
                slots("0 0 31 * *", false, ZoneId.of("UTC"), "2024-01-01T00:00", 3));
        // LW: the last weekday (2024-08-31 is a Saturday).
        assertEquals("2024-08-30T09:00Z", slots("0 9 LW 8 *", false, ZoneId.of("UTC"), "2024-08-01T00:00", 1).get(0));
        // Month end in a zone: midnight after the last day, local time.
        assertEquals("2024-03-01T00:00+01:00", slots("0 0 1 * *", false, BERLIN, "2024-02-15T00:00", 1).get(0));
    }

    @Test
    void eitherDayFieldMatchesWhenBothAreSet() {
        // Unix semantics: the 13th, and every Friday.
        assertEquals(List.of("2024-09-06T00:00Z", "2024-09-13T00:00Z", "2024-09-20T00:00Z"),
                slots("0 0 13 * FRI", false, ZoneId.of("UTC"), "2024-09-01T00:00", 3));
    }

    // ------------------------------------------------------------------ errors

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "61 * * * *|false|field 1 (minute) '61' is invalid: Value 61 not in range [0, 59]",
        "0 24 * * *|false|field 2 (hour) '24' is invalid: Value 24 not in range [0, 23]",
        "0 2 0 * *|false|field 3 (day-of-month) '0' is invalid: Value 0 not in range [1, 31]",
        "0 2 * 13 *|false|field 4 (month) '13' is invalid: Value 13 not in range [1, 12]",
        "0 2 * * 8|false|field 5 (day-of-week) '8' is invalid: Value 8 not in range [0, 7]",
        "x 2 * * *|false|field 1 (minute) 'x' is invalid",
        "0 2 * * FOO|false|field 5 (day-of-week) 'FOO' is invalid",
        "*/0 * * * *|false|field 1 (minute) '*/0' is invalid",
        "1-70 * * * *|false|field 1 (minute) '1-70' is invalid",
        "60 * * * * *|true|field 1 (second) '60' is invalid: Value 60 not in range [0, 59]",
        "0 0 25 * * *|true|field 3 (hour) '25' is invalid",
        "0 2 * *|false|has 4 fields but the Unix five-field form (minute hour day-of-month month day-of-week) has 5",
        "0 0 2 * * *|false|has 6 fields but the Unix five-field form",
        "0 2 * * *|true|has 5 fields but the six-field form (second minute hour day-of-month month day-of-week) has 6;"
                + " for a five-field expression use Cron.of(...)",
        "@daily|true|nicknames such as @daily are only accepted in the five-field form",
        "0 0 30 2 *|false|never matches a date",
    })
    void invalidExpressionsNameTheField(String expr, boolean seconds, String expected) {
        String problem = CronSlots.problem(expr, seconds, "UTC");
        assertTrue(problem != null && problem.contains(expected), "for '" + expr + "': " + problem);
        assertThrows(IllegalArgumentException.class, () -> CronSlots.compile(expr, seconds, "UTC"));
    }

    @Test
    void sixFieldsWithoutSecondsSaysWhatToUse() {
        assertTrue(CronSlots.problem("0 0 2 * * *", false, "UTC").endsWith(
                "for a six-field expression with seconds use Cron.withSeconds(...)"));
    }

    @Test
    void emptyExpressionAndBadZones() {
        assertEquals("cron expression must not be empty", CronSlots.problem("  ", false, "UTC"));
        assertEquals("cron expression must not be empty", CronSlots.problem(null, false, "UTC"));
        assertTrue(CronSlots.problem("0 2 * * *", false, "Europe/Berln").startsWith(
                "time zone 'Europe/Berln' is not a known zone id"));
        assertEquals("time zone must be an IANA zone id such as Europe/Berlin or UTC",
                CronSlots.problem("0 2 * * *", false, ""));
        assertNull(CronSlots.problem("0 2 * * *", false, "Europe/Berlin"));
    }
}
