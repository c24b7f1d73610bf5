package io.tandem.check;

import java.util.function.Function;

/** Text rendering shared by the checkers, so every report names operations the same way. */
final class Reports {

    private Reports() {
    }

    /** {@code #12 client 3 [100..180] write(5) -> ok}; INFO responses render as {@code ?}. */
    static <I, O> String operation(int index, Operation<I, O> op, Function<? super I, String> input,
                                   Function<? super O, String> output) {
        String response = op.hasResponded() ? Long.toString(op.responseTime()) : "?";
        String result;
        switch (op.status()) {
            case OK:
                result = output.apply(op.output());
                break;
            case FAIL:
                result = "failed (no effect)";
                break;
            default:
                result = "? (unknown outcome)";
                break;
        }
        return "#" + index + " client " + op.client() + " [" + op.invokeTime() + ".." + response
                + "] " + input.apply(op.input()) + " -> " + result;
    }

    static <S, I, O> String operation(int index, Operation<I, O> op, Model<S, I, O> model) {
        return operation(index, op, model::describeInput, model::describeOutput);
    }
}
