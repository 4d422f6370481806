package org.transprune.prune;

import java.util.List;

/**
 * One declared strategy parameter.
 *
 * @param name the key in experiment files
 * @param type the expected value type
 * @param defaultValue the value used when absent (typed as {@code type}), or null when required
 * @param description one line for {@code transprune strategies}
 * @param budget how an equal-budget solver may vary this parameter when it is the strategy's budget parameter
 *     (docs/method.md#budgets), or null when it is not; a strategy declares at most one
 */
public record ParameterSpec(String name, Type type, Object defaultValue, String description, Budget budget) {

    /** Value types a parameter can take. */
    public enum Type {
        INT,
        DOUBLE,
        STRING,
        BOOLEAN,
        INT_LIST,
        DOUBLE_LIST;

        /** Human spelling for error messages. */
        public String describe() {
            switch (this) {
                case INT:
                    return "an integer";
                case DOUBLE:
                    return "a number";
                case STRING:
                    return "a string";
                case BOOLEAN:
                    return "true or false";
                case INT_LIST:
                    return "a list of integers";
                default:
                    return "a list of numbers";
            }
        }
    }

    /**
     * The values a budget solver may give a budget parameter: an interval of numbers (a {@code DOUBLE} parameter),
     * of integers (an {@code INT} parameter; its upper end may be the model's image-token count N), of the elements
     * of a {@code DOUBLE_LIST} parameter (the solver then scales the list as written, or its default, by one factor,
     * so its shape is kept), or a finite set of choices (an {@code INT} parameter selecting a table row). The
     * budget figure (FLOPs, tokens) must be monotone in the value; the solver relies on it.
     *
     * @param lower the lower end of the interval (unused with choices)
     * @param lowerOpen whether {@code lower} itself is excluded
     * @param upper the upper end (unused with choices or {@code upToImageTokens})
     * @param upperOpen whether {@code upper} itself is excluded
     * @param upToImageTokens an {@code INT} parameter whose upper end is the model's image-token count N
     * @param choices the only values allowed, ascending, or null for an interval
     */
    public record Budget(
            double lower,
            boolean lowerOpen,
            double upper,
            boolean upperOpen,
            boolean upToImageTokens,
            List<Integer> choices) {
        public Budget {
            choices = choices == null ? null : List.copyOf(choices);
            if (choices == null && !upToImageTokens && !(lower <= upper)) {
                throw new IllegalArgumentException(
                        "a budget interval needs lower <= upper, got " + lower + ", " + upper);
            }
            if (choices != null && choices.isEmpty()) {
                throw new IllegalArgumentException("a budget parameter's choices must not be empty");
            }
        }

        /** Any number in [lower, upper], each end excluded when marked open. */
        public static Budget interval(double lower, boolean lowerOpen, double upper, boolean upperOpen) {
            return new Budget(lower, lowerOpen, upper, upperOpen, false, null);
        }

        /** Any integer in [lower, N], N the model's image-token count (e.g. a count of retained tokens). */
        public static Budget tokenCount(int lower) {
            return new Budget(lower, false, Double.NaN, false, true, null);
        }

        /** One of {@code values} (e.g. the rows of a reference count table). */
        public static Budget choices(List<Integer> values) {
            return new Budget(
                    Double.NaN,
                    false,
                    Double.NaN,
                    false,
                    false,
                    values.stream().sorted().toList());
        }

        /** e.g. {@code [0, 1)}, {@code [1, N]}, {@code one of [64, 96, 128, 192]}. */
        public String describe() {
            if (choices != null) {
                return "one of " + choices;
            }
            return (lowerOpen ? "(" : "[") + number(lower) + ", " + (upToImageTokens ? "N" : number(upper))
                    + (upperOpen ? ")" : "]");
        }

        private static String number(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    /** A parameter that is not a budget parameter. */
    public ParameterSpec(String name, Type type, Object defaultValue, String description) {
        this(name, type, defaultValue, description, null);
    }

    public ParameterSpec {
        if (budget != null) {
            boolean fits = budget.choices() != null || budget.upToImageTokens()
                    ? type == Type.INT
                    : type == Type.DOUBLE || type == Type.INT || type == Type.DOUBLE_LIST;
            if (!fits) {
                throw new IllegalArgumentException("parameter '" + name + "' of type " + type
                        + " cannot be a budget parameter ranging over " + budget.describe());
            }
        }
    }

    public static ParameterSpec of(String name, Type type, Object defaultValue, String description) {
        return new ParameterSpec(
                name,
                type,
                defaultValue == null ? null : StrategyParameters.coerce(name, type, defaultValue),
                description);
    }

    public static ParameterSpec ints(String name, List<Integer> defaultValue, String description) {
        return of(name, Type.INT_LIST, defaultValue, description);
    }

    public static ParameterSpec doubles(String name, List<Double> defaultValue, String description) {
        return of(name, Type.DOUBLE_LIST, defaultValue, description);
    }

    /** This parameter as the strategy's budget parameter, varied over {@code range} by a budget solver. */
    public ParameterSpec asBudget(Budget range) {
        return new ParameterSpec(name, type, defaultValue, description, range);
    }

    /** Whether this is its strategy's budget parameter. */
    public boolean isBudget() {
        return budget != null;
    }

    /**
     * The budget parameter among {@code specs}, or null when there is none.
     *
     * @throws IllegalArgumentException when several are declared
     */
    public static ParameterSpec budgetParameter(List<ParameterSpec> specs) {
        List<ParameterSpec> found =
                specs.stream().filter(ParameterSpec::isBudget).toList();
        if (found.size() > 1) {
            throw new IllegalArgumentException("a strategy declares at most one budget parameter, found "
                    + found.stream().map(ParameterSpec::name).toList());
        }
        return found.isEmpty() ? null : found.get(0);
    }
}
