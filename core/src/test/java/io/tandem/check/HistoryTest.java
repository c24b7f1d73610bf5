package io.tandem.check;

import static io.tandem.check.RegisterModel.read;
import static io.tandem.check.RegisterModel.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.check.RegisterModel.Input;
import io.tandem.check.RegisterModel.Output;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Building histories: operations, events, and the concurrent recorder. */
class HistoryTest {

    @Test
    @DisplayName("events: positions are times, completions match the client's pending invocation")
    void fromEvents() {
        History<Input<Integer>, Output<Integer>> history = History.fromEvents(List.of(
                Event.invoke(1, write(1)),
                Event.invoke(2, read()),
                Event.ok(1, Output.ok()),
                Event.fail(2),
                Event.invoke(2, write(2)),
                Event.info(2)));
        assertEquals(List.of(
                Operation.ok(1, 0, 2, write(1), Output.ok()),
                Operation.fail(2, 1, 3, read()),
                Operation.info(2, 4, write(2))), history.operations());
    }

    @Test
    @DisplayName("events: invoking twice or completing nothing is rejected with the event number")
    void malformedEvents() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () ->
                History.fromEvents(List.<Event<Input<Integer>, Output<Integer>>>of(
                        Event.invoke(1, write(1)), Event.invoke(1, read()))));
        assertTrue(twice.getMessage().startsWith("event 1: client 1"), twice.getMessage());
        IllegalArgumentException orphan = assertThrows(IllegalArgumentException.class, () ->
                History.fromEvents(List.<Event<Input<Integer>, Output<Integer>>>of(Event.ok(3, Output.ok()))));
        assertTrue(orphan.getMessage().contains("client 3, which has no invocation"), orphan.getMessage());
    }

    @Test
    @DisplayName("operations reject a response before the invocation and outputs on INFO/FAIL")
    void operationValidation() {
        assertThrows(IllegalArgumentException.class,
                () -> Operation.ok(1, 10, 9, read(), Output.value(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new Operation<>(1, 0, 5, read(), Output.value(1), Operation.Status.INFO));
        assertThrows(IllegalArgumentException.class,
                () -> new Operation<>(1, 0, 5, read(), Output.value(1), Operation.Status.FAIL));
    }

    @Test
    @DisplayName("recorder: logical times, pending calls become INFO, double completion throws")
    void recorderBasics() {
        HistoryRecorder<Input<Integer>, Output<Integer>> recorder = new HistoryRecorder<>();
        var first = recorder.recordInvoke(1, write(1));
        var second = recorder.recordInvoke(2, read());
        var third = recorder.recordInvoke(3, write(3));
        var fourth = recorder.recordInvoke(4, write(4));
        first.ok(Output.ok());
        second.unknown();
        third.fail();
        assertThrows(IllegalStateException.class, () -> first.ok(Output.ok()));
        assertThrows(IllegalStateException.class, second::unknown);
        assertEquals(List.of(
                Operation.ok(1, 0, 4, write(1), Output.ok()),
                Operation.info(2, 1, read()),
                Operation.fail(3, 2, 5, write(3)),
                Operation.info(4, 3, write(4))), recorder.history().operations());
        fourth.ok(Output.ok());
        assertEquals(Operation.Status.OK, recorder.history().get(3).status());
    }

    @Test
    @DisplayName("recorder: a clock that goes backwards is rejected")
    void recorderClockBackwards() {
        AtomicLong ticks = new AtomicLong(10);
        HistoryRecorder<Input<Integer>, Output<Integer>> recorder = new HistoryRecorder<>(ticks::get);
        recorder.recordInvoke(1, read());
        ticks.set(9);
        assertThrows(IllegalStateException.class, () -> recorder.recordInvoke(2, read()));
    }

    @Test
    @DisplayName("recorder: real threads on an atomic register record a linearizable history")
    void recorderWithRealThreads() throws InterruptedException {
        AtomicInteger register = new AtomicInteger();
        HistoryRecorder<Input<Integer>, Output<Integer>> recorder = new HistoryRecorder<>();
        List<Thread> threads = new ArrayList<>();
        for (int client = 0; client < 4; client++) {
            int id = client;
            threads.add(new Thread(() -> runClient(id, register, recorder), "client-" + client));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        History<Input<Integer>, Output<Integer>> history = recorder.history();
        assertEquals(4 * 300, history.size());
        Result result = LinearizabilityChecker.check(new RegisterModel<>(0), history,
                Duration.ofSeconds(10));
        assertTrue(result.isOk(), result::report);
    }

    private static void runClient(int client, AtomicInteger register,
                                  HistoryRecorder<Input<Integer>, Output<Integer>> recorder) {
        SplittableRandom random = new SplittableRandom(client);
        for (int i = 0; i < 300; i++) {
            int value = client * 1000 + i + 1;
            int choice = random.nextInt(3);
            if (choice == 0) {
                var call = recorder.recordInvoke(client, read());
                call.ok(Output.value(register.get()));
            } else if (choice == 1) {
                var call = recorder.recordInvoke(client, write(value));
                register.set(value);
                call.ok(Output.ok());
            } else {
                int expected = register.get();
                var call = recorder.recordInvoke(client, RegisterModel.cas(expected, value));
                call.ok(Output.cas(register.compareAndSet(expected, value)));
            }
        }
    }
}
