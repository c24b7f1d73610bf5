/**
 * History checkers for client-visible behaviour: linearizability (Wing–Gong–Lowe search with
 * memoization and per-key partitioning, in the style of Porcupine) and the simpler order checks
 * for counters and timestamp oracles. Used by the deterministic simulator ({@code io.tandem.sim})
 * and, through core's test-jar, by {@code chaos-tests}.
 *
 * <h2>Recording</h2>
 * Build a {@link io.tandem.check.History} from {@link io.tandem.check.Operation}s (invoke and
 * response times, input, output, status OK/FAIL/INFO), from {@link io.tandem.check.Event}s, or
 * with a thread-safe {@link io.tandem.check.HistoryRecorder}:
 * <pre>{@code
 * HistoryRecorder<VersionedRecordModel.Input<String, String>, VersionedRecordModel.Output<String>> recorder =
 *     new HistoryRecorder<>();                         // or new HistoryRecorder<>(simClock::now)
 * var call = recorder.recordInvoke(clientId, VersionedRecordModel.write("orders/42", "paid"));
 * try {
 *     Record r = data.write("orders/42", "paid");
 *     call.ok(VersionedRecordModel.Output.written(r.version()));
 * } catch (TandemTimeoutException e) {
 *     call.unknown();                                  // may still take effect
 * }
 * }</pre>
 *
 * <h2>Checking</h2>
 * <pre>{@code
 * Result result = LinearizabilityChecker.check(new VersionedRecordModel<>(), recorder.history(),
 *     Budget.steps(5_000_000));                        // deterministic; or Duration for a timeout
 * assertTrue(result.isOk(), () -> "seed=" + seed + "\n" + result.report());
 *
 * Result monotonic = MonotonicChecker.strictlyIncreasing(timestamps);   // and MonotonicChecker.unique
 * }</pre>
 * {@link io.tandem.check.Result.Verdict#UNKNOWN} means the budget ran out: treat it as "not
 * proven", never as a pass, and shorten the per-key histories or raise the budget.
 *
 * <h2>Models</h2>
 * {@link io.tandem.check.RegisterModel}, {@link io.tandem.check.KeyValueModel} and
 * {@link io.tandem.check.VersionedRecordModel} are built in. Write others against
 * {@link io.tandem.check.Model}, usually as a {@link io.tandem.check.DeterministicModel}.
 *
 * <h2>Costs</h2>
 * Linearizability checking is NP-complete in general; the search is fast when per-key
 * concurrency is modest. Pending INFO operations are the main cost driver, because each may take
 * effect at any later point: keep per-key histories to a few thousand operations and prefer
 * many keys. Measured on the development container: 5,000 operations over 10 keys with 5
 * clients check in about 6,000 steps and a few milliseconds; 5,000 on one key with 5% INFO in
 * 20,000 to 1,200,000 steps, under half a second.
 */
package io.tandem.check;
