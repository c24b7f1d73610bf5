package io.tandem.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seed selection for simulation tests. {@code -Dtandem.seed=0x…} replays one seed;
 * {@code -Dtandem.seeds=N} sets how many to run (default 500, {@code -Psoak} 20,000);
 * {@code -Dtandem.seedBase=random} draws a fresh base (the soak profile does), otherwise a fixed
 * base keeps the default build reproducible.
 */
public final class Seeds {

    private Seeds() {
    }

    public static List<Long> select(long fixedBase) {
        String one = System.getProperty("tandem.seed");
        if (one != null && !one.isBlank()) {
            return List.of(parse(one));
        }
        int count = Integer.getInteger("tandem.seeds", 500);
        String baseProp = System.getProperty("tandem.seedBase", "");
        long base = baseProp.equals("random") ? System.nanoTime() : baseProp.isBlank() ? fixedBase : parse(baseProp);
        SplittableRandom r = new SplittableRandom(base);
        List<Long> seeds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            seeds.add(r.nextLong());
        }
        return seeds;
    }

    public static long parse(String s) {
        String t = s.trim();
        return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }
}
