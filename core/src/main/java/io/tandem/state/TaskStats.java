package io.tandem.state;

/** Task counts of one queue by state, and its registered worker capacity (sum of concurrencies). */
public record TaskStats(String queue, long ready, long delayed, long claimed, long dead, long completed,
                        long cancelled, long workerSlots, long schedules) {
}
