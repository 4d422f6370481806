package org.transprune.prune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A strategy's parameters after binding: every declared key present, typed, defaults filled in.
 * Built by {@link #bind}, which rejects unknown keys and wrong types with messages that name the
 * strategy, the key and what was expected.
 */
public final class StrategyParameters {
    private final String strategy;
    private final Map<String, Object> values;

    private StrategyParameters(String strategy, Map<String, Object> values) {
        this.strategy = strategy;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Checks {@code raw} (what YAML gives: numbers, strings, booleans, lists) against the specs.
     *
     * @throws IllegalArgumentException for an unknown key (listing the known ones), a wrong type
     *     or a missing required value
     */
    public static StrategyParameters bind(String strategy, List<ParameterSpec> specs, Map<String, ?> raw) {
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        for (ParameterSpec s : specs) {
            byName.put(s.name(), s);
        }
        for (String key : raw.keySet()) {
            if (!byName.containsKey(key)) {
                throw new IllegalArgumentException("strategy '" + strategy + "' has no parameter '" + key
                        + "' (parameters: " + String.join(", ", byName.keySet()) + ")");
            }
        }
        Map<String, Object> values = new TreeMap<>();
        for (ParameterSpec s : specs) {
            Object v = raw.containsKey(s.name()) ? raw.get(s.name()) : s.defaultValue();
            if (v == null) {
                throw new IllegalArgumentException("strategy '" + strategy + "' needs parameter '" + s.name() + "' ("
                        + s.type().describe() + ")");
            }
            try {
                values.put(s.name(), coerce(s.name(), s.type(), v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("strategy '" + strategy + "': " + e.getMessage(), e);
            }
        }
        return new StrategyParameters(strategy, values);
    }

    /** Converts a YAML value to the declared type, or explains why it cannot. */
    static Object coerce(String name, ParameterSpec.Type type, Object v) {
        switch (type) {
            case INT:
                return toInt(name, v);
            case DOUBLE:
                return toDouble(name, v);
            case STRING:
                if (v instanceof String s) {
                    return s;
                }
                break;
            case BOOLEAN:
                if (v instanceof Boolean b) {
                    return b;
                }
                break;
            case INT_LIST:
            case DOUBLE_LIST:
                if (v instanceof List<?> list) {
                    List<Object> out = new ArrayList<>();
                    for (Object o : list) {
                        // Not a conditional expression: Integer : Double would be unboxed and widened to Double.
                        if (type == ParameterSpec.Type.INT_LIST) {
                            out.add(toInt(name, o));
                        } else {
                            out.add(toDouble(name, o));
                        }
                    }
                    return List.copyOf(out);
                }
                break;
            default:
                break;
        }
        throw wrongType(name, type, v);
    }

    private static Integer toInt(String name, Object v) {
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        throw wrongType(name, ParameterSpec.Type.INT, v);
    }

    private static Double toDouble(String name, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(name, ParameterSpec.Type.DOUBLE, v);
    }

    private static IllegalArgumentException wrongType(String name, ParameterSpec.Type type, Object v) {
        return new IllegalArgumentException("parameter '" + name + "' must be " + type.describe() + ", got "
                + (v instanceof String ? "'" + v + "'" : String.valueOf(v)));
    }

    public String strategy() {
        return strategy;
    }

    /** Every parameter with its bound value, sorted by name (stable for hashing configurations). */
    public Map<String, Object> asMap() {
        return values;
    }

    public int getInt(String name) {
        return (Integer) get(name);
    }

    public double getDouble(String name) {
        return (Double) get(name);
    }

    public String getString(String name) {
        return (String) get(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) get(name);
    }

    @SuppressWarnings("unchecked")
    public List<Integer> getInts(String name) {
        return (List<Integer>) get(name);
    }

    @SuppressWarnings("unchecked")
    public List<Double> getDoubles(String name) {
        return (List<Double>) get(name);
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("strategy '" + strategy + "' declared no parameter '" + name + "'");
        }
        return values.get(name);
    }

    /** An error about one parameter, in the standard form. */
    public IllegalArgumentException invalid(String name, String problem) {
        return new IllegalArgumentException(
                "strategy '" + strategy + "': parameter '" + name + "' " + problem + " (got " + values.get(name) + ")");
    }

    @Override
    public String toString() {
        return strategy + values;
    }
}
