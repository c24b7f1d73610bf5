package io.tandem.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a timestamp oracle's history: every value is unique, and whenever one call returned
 * before another started (real time), the later call got the larger value. This is what
 * Atlasdb's timestamp service on Atomix broke after a partition (decreasing and duplicate
 * timestamps). Returns a description of the first violation, or null.
 */
public final class TimestampChecker {

    /** One completed call: invoked at {@code start}, returned {@code value} at {@code end}. */
    public record Call(String node, long start, long end, long value) {
    }

    private TimestampChecker() {
    }

    public static String check(List<Call> calls) {
        Set<Long> seen = new HashSet<>();
        for (Call c : calls) {
            if (!seen.add(c.value())) {
                return "duplicate timestamp " + c.value() + " (second time at " + c + ")";
            }
        }
        List<Call> byEnd = new ArrayList<>(calls);
        byEnd.sort(Comparator.comparingLong(Call::end));
        List<Call> byStart = new ArrayList<>(calls);
        byStart.sort(Comparator.comparingLong(Call::start));
        int i = 0;
        Call maxEnded = null;
        for (Call c : byStart) {
            while (i < byEnd.size() && byEnd.get(i).end() < c.start()) {
                Call e = byEnd.get(i++);
                if (maxEnded == null || e.value() > maxEnded.value()) {
                    maxEnded = e;
                }
            }
            if (maxEnded != null && c.value() <= maxEnded.value()) {
                return "timestamp went backwards: " + c + " started after " + maxEnded + " returned, but got a value"
                        + " not above it";
            }
        }
        return null;
    }
}
