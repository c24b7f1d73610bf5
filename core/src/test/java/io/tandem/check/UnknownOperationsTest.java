package io.tandem.check;

import static io.tandem.check.RegisterModel.cas;
import static io.tandem.check.RegisterModel.read;
import static io.tandem.check.RegisterModel.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.check.RegisterModel.Input;
import io.tandem.check.RegisterModel.Output;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * INFO (indeterminate) and FAIL operations: an INFO operation may take effect once, at any time
 * after its invocation, or never; a FAIL operation never does.
 */
class UnknownOperationsTest {

    private static final RegisterModel<Integer> MODEL = new RegisterModel<>(0);

    @Test
    @DisplayName("an unknown write may be visible to a later read")
    void unknownWriteMayBeVisible() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, write(1)),
                ok(2, 10, 20, read(), Output.value(1)));
    }

    @Test
    @DisplayName("an unknown write may also never take effect")
    void unknownWriteMayBeInvisible() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, write(1)),
                ok(2, 10, 20, read(), Output.value(0)),
                ok(2, 30, 40, read(), Output.value(0)));
    }

    @Test
    @DisplayName("an unknown write may take effect long after it was invoked")
    void unknownWriteMayTakeEffectLate() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, write(1)),
                ok(2, 10, 20, read(), Output.value(0)),
                ok(2, 1000, 1010, read(), Output.value(1)));
    }

    @Test
    @DisplayName("a history that needs the unknown write to have happened passes")
    void historyThatNeedsTheUnknownWrite() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, write(1)),
                ok(2, 10, 20, cas(1, 2), Output.cas(true)),
                ok(3, 30, 40, read(), Output.value(2)));
    }

    @Test
    @DisplayName("a history that needs the unknown write to have happened twice fails")
    void unknownWriteCannotHappenTwice() {
        assertVerdict(Result.Verdict.ILLEGAL,
                info(1, 0, write(1)),
                ok(2, 10, 20, read(), Output.value(1)),
                ok(3, 30, 40, write(2), Output.ok()),
                ok(2, 50, 60, read(), Output.value(1)));
    }

    @Test
    @DisplayName("an unknown write cannot be seen before it was invoked")
    void unknownWriteNotBeforeInvocation() {
        assertVerdict(Result.Verdict.ILLEGAL,
                ok(2, 0, 10, read(), Output.value(1)),
                info(1, 20, write(1)));
    }

    @Test
    @DisplayName("an unknown CAS may have swapped or not")
    void unknownCas() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, cas(0, 5)),
                ok(2, 10, 20, read(), Output.value(5)));
        assertVerdict(Result.Verdict.OK,
                info(1, 0, cas(0, 5)),
                ok(2, 10, 20, read(), Output.value(0)));
        // It could only have swapped from 0, and the value was 3 from its invocation on.
        assertVerdict(Result.Verdict.ILLEGAL,
                ok(3, 0, 1, write(3), Output.ok()),
                info(1, 2, cas(0, 5)),
                ok(2, 10, 20, read(), Output.value(5)));
    }

    @Test
    @DisplayName("a failed write never takes effect")
    void failedWriteHasNoEffect() {
        assertVerdict(Result.Verdict.ILLEGAL,
                Operation.fail(1, 0, 5, write(1)),
                ok(2, 10, 20, read(), Output.value(1)));
        assertVerdict(Result.Verdict.OK,
                Operation.fail(1, 0, 5, write(1)),
                ok(2, 10, 20, read(), Output.value(0)));
    }

    @Test
    @DisplayName("unknown reads constrain nothing")
    void unknownReadsAreIgnored() {
        assertVerdict(Result.Verdict.OK,
                info(1, 0, read()),
                info(2, 0, read()),
                ok(3, 10, 20, write(1), Output.ok()));
    }

    @Test
    @DisplayName("an INFO operation with several possible effects: the search tries each")
    void nondeterministicUnknownEffect() {
        // A counter whose "bump" adds 1 or 2; an unobserved bump may have done either.
        Model<Integer, String, Integer> bumpCounter = new Model<>() {
            @Override
            public Integer init() {
                return 0;
            }

            @Override
            public Optional<Integer> step(Integer state, String input, Integer output) {
                if (input.equals("read")) {
                    return output.equals(state) ? Optional.of(state) : Optional.empty();
                }
                return output == 1 || output == 2 ? Optional.of(state + output) : Optional.empty();
            }

            @Override
            public List<Integer> stepUnobserved(Integer state, String input) {
                return input.equals("read") ? List.of(state) : List.of(state + 1, state + 2);
            }
        };
        History<String, Integer> needsSecondChoice = History.of(
                Operation.info(1, 0, "bump"),
                Operation.ok(2, 10, 20, "read", 2));
        History<String, Integer> impossible = History.of(
                Operation.info(1, 0, "bump"),
                Operation.ok(2, 10, 20, "read", 3));
        assertEquals(Result.Verdict.OK, LinearizabilityChecker.check(bumpCounter, needsSecondChoice,
                Budget.steps(1_000)).verdict());
        assertEquals(Result.Verdict.ILLEGAL, LinearizabilityChecker.check(bumpCounter, impossible,
                Budget.steps(1_000)).verdict());
    }

    @Test
    @DisplayName("an invocation still pending at the end of an event history counts as unknown")
    void pendingEventBecomesUnknown() {
        History<Input<Integer>, Output<Integer>> history = History.fromEvents(List.of(
                Event.invoke(1, write(1)),
                Event.invoke(2, read()),
                Event.ok(2, Output.value(1))));
        assertEquals(Operation.Status.INFO, history.get(0).status());
        assertEquals(Result.Verdict.OK,
                LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(5)).verdict());
    }

    private static Operation<Input<Integer>, Output<Integer>> ok(
            int client, long invoke, long response, Input<Integer> input, Output<Integer> output) {
        return Operation.ok(client, invoke, response, input, output);
    }

    private static Operation<Input<Integer>, Output<Integer>> info(int client, long invoke,
                                                                  Input<Integer> input) {
        return Operation.info(client, invoke, input);
    }

    @SafeVarargs
    private static void assertVerdict(Result.Verdict expected,
                                      Operation<Input<Integer>, Output<Integer>>... operations) {
        List<Operation<Input<Integer>, Output<Integer>>> list = new ArrayList<>();
        for (Operation<Input<Integer>, Output<Integer>> op : operations) {
            list.add(op);
        }
        History<Input<Integer>, Output<Integer>> history = History.of(list);
        Result result = LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(5));
        assertEquals(expected, result.verdict(), () -> result.report() + "\n" + history);
    }
}
