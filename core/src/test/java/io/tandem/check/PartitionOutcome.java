package io.tandem.check;

/**
 * What the search concluded for one partition.
 *
 * @param label          the partition key as text
 * @param verdict        OK, ILLEGAL, or UNKNOWN if the budget ran out
 * @param counterexample the evidence when ILLEGAL, otherwise {@code null}
 * @param summary        one or more lines for the report
 */
record PartitionOutcome(String label, Result.Verdict verdict, Counterexample counterexample,
                        String summary) {
}
