package org.transprune.prune;

import java.util.List;

/**
 * One declared strategy parameter.
 *
 * @param name the key in experiment files
 * @param type the expected value type
 * @param defaultValue the value used when absent (typed as {@code type}), or null when required
 * @param description one line for {@code transprune strategies}
 */
public record ParameterSpec(String name, Type type, Object defaultValue, String description) {

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
}
