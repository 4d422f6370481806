package org.transprune.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * The parameter values one {@code strategies:} entry writes: fixed values ({@code params:} and a
 * named {@code schedule:}) and axes ({@code grid:} lists multiply, {@code zip:} lists pair), each
 * value type-checked against the strategy's declared parameters and remembered with the node it
 * came from, so a later error can point at it.
 */
final class ParameterAxes {
    /** A value written for a parameter, and the node it came from. */
    record Written(Object value, YamlValue node) {}

    private final YamlChecks checks;
    private final String strategy;
    private final StrategyProvider provider;
    private final Map<String, ParameterSpec> specs = new LinkedHashMap<>();
    private final String key;
    private final Map<String, Written> fixed = new LinkedHashMap<>();
    private final List<List<Map<String, Written>>> axes = new ArrayList<>();
    /** Where each parameter is set, e.g. {@code strategies[0].grid.alpha}: each may be set once. */
    private final Map<String, String> placedAt = new LinkedHashMap<>();

    ParameterAxes(YamlChecks checks, StrategyProvider provider, String key) {
        this.checks = checks;
        this.strategy = provider.name();
        this.provider = provider;
        this.key = key;
        provider.parameters().forEach(s -> specs.put(s.name(), s));
    }

    /** {@code params: {name: value}}. */
    void params(YamlValue params) {
        if (params == null) {
            return;
        }
        if (!(params instanceof YamlValue.Mapping pm)) {
            checks.problem(params, key + ".params", "must be a mapping of parameter: value, got " + params.kind());
            return;
        }
        for (Map.Entry<String, YamlValue> e : pm.entries().entrySet()) {
            String pk = key + ".params." + e.getKey();
            if (known(pm, e.getKey(), pk)
                    && placed(e.getKey(), e.getValue(), pk)
                    && typed(e.getKey(), e.getValue(), pk)) {
                fixed.put(e.getKey(), new Written(e.getValue().plain(), e.getValue()));
            }
        }
    }

    /** {@code grid: {name: [values]}}: one axis per parameter. */
    void grid(YamlValue grid) {
        if (grid == null) {
            return;
        }
        if (!(grid instanceof YamlValue.Mapping gm)) {
            checks.problem(grid, key + ".grid", "must be a mapping of parameter: [values], got " + grid.kind());
            return;
        }
        for (Map.Entry<String, YamlValue> e : gm.entries().entrySet()) {
            String gk = key + ".grid." + e.getKey();
            if (!(e.getValue() instanceof YamlValue.Sequence values)
                    || values.items().isEmpty()) {
                checks.problem(
                        e.getValue(),
                        gk,
                        "a grid axis must be a non-empty list of values, got "
                                + e.getValue().kind());
                continue;
            }
            if (!known(gm, e.getKey(), gk)) {
                continue;
            }
            boolean ok = placed(e.getKey(), e.getValue(), gk);
            List<Map<String, Written>> axis = new ArrayList<>();
            for (int j = 0; j < values.items().size(); j++) {
                YamlValue val = values.items().get(j);
                ok &= typed(e.getKey(), val, gk + "[" + j + "]");
                axis.add(Map.of(e.getKey(), new Written(val.plain(), val)));
            }
            if (ok) {
                axes.add(axis);
            }
        }
    }

    /** {@code zip:}, a mapping of equally long lists (or a list of such mappings): one axis per mapping. */
    void zip(YamlValue zip) {
        if (zip == null) {
            return;
        }
        List<YamlValue> groups = zip instanceof YamlValue.Sequence zs ? zs.items() : List.of(zip);
        for (int g = 0; g < groups.size(); g++) {
            String zk = key + ".zip" + (zip instanceof YamlValue.Sequence ? "[" + g + "]" : "");
            if (!(groups.get(g) instanceof YamlValue.Mapping zm)) {
                checks.problem(
                        groups.get(g),
                        zk,
                        "must be a mapping of parameter: [values] (lists of equal length), got "
                                + groups.get(g).kind());
                continue;
            }
            List<Map<String, Written>> rows = zipRows(zm, zk);
            if (rows != null) {
                axes.add(rows);
            }
        }
    }

    private List<Map<String, Written>> zipRows(YamlValue.Mapping zm, String zk) {
        int length = -1;
        boolean ok = true;
        List<Map<String, Written>> rows = new ArrayList<>();
        for (Map.Entry<String, YamlValue> e : zm.entries().entrySet()) {
            String pk = zk + "." + e.getKey();
            if (!(e.getValue() instanceof YamlValue.Sequence values)
                    || values.items().isEmpty()) {
                checks.problem(
                        e.getValue(),
                        pk,
                        "must be a non-empty list of values, got "
                                + e.getValue().kind());
                ok = false;
                continue;
            }
            if (!known(zm, e.getKey(), pk)) {
                ok = false;
                continue;
            }
            ok &= placed(e.getKey(), e.getValue(), pk);
            if (length >= 0 && values.items().size() != length) {
                checks.problem(
                        values,
                        pk,
                        "has " + values.items().size() + " values but the other zip lists have " + length
                                + "; zipped lists pair their i-th values, so they need equal lengths");
                ok = false;
                continue;
            }
            length = values.items().size();
            for (int j = 0; j < values.items().size(); j++) {
                YamlValue val = values.items().get(j);
                ok &= typed(e.getKey(), val, pk + "[" + j + "]");
                if (rows.size() <= j) {
                    rows.add(new LinkedHashMap<>());
                }
                rows.get(j).put(e.getKey(), new Written(val.plain(), val));
            }
        }
        return ok ? rows : null;
    }

    /**
     * {@code schedule: NAME} fills in the layers/ratios/window the strategy declares and the entry
     * does not set itself (explicit values win).
     */
    void schedule(YamlValue named) {
        if (named == null) {
            return;
        }
        if (!(named.plain() instanceof String preset)) {
            checks.problem(named, key + ".schedule", "must be a schedule name, got " + named.kind());
            return;
        }
        try {
            Map<String, Object> values = SchedulePreset.of(preset).parametersFor(provider);
            if (values.isEmpty()) {
                checks.problem(
                        named,
                        key + ".schedule",
                        "strategy '" + strategy
                                + "' has none of the parameters a schedule sets (layers, ratios, window)");
            }
            values.forEach((k, v) -> {
                if (!placedAt.containsKey(k)) {
                    fixed.put(k, new Written(v, named));
                }
            });
        } catch (IllegalArgumentException e) {
            checks.problem(named, key + ".schedule", e.getMessage());
        }
    }

    /** Every combination of the axes' values, each with the fixed values: the cartesian product. */
    List<Map<String, Written>> combinations() {
        List<Map<String, Written>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>(fixed));
        for (List<Map<String, Written>> axis : axes) {
            List<Map<String, Written>> next = new ArrayList<>();
            for (Map<String, Written> partial : out) {
                for (Map<String, Written> value : axis) {
                    Map<String, Written> m = new LinkedHashMap<>(partial);
                    m.putAll(value);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /** The node of the first parameter {@code message} names, else {@code fallback}. */
    static YamlValue blame(String message, Map<String, Written> written, YamlValue fallback) {
        for (Map.Entry<String, Written> e : written.entrySet()) {
            if (message.contains("'" + e.getKey() + "'")) {
                return e.getValue().node();
            }
        }
        for (Map.Entry<String, Written> e : written.entrySet()) {
            if (message.contains(e.getKey())) {
                return e.getValue().node();
            }
        }
        return fallback;
    }

    /** Whether the strategy declares {@code param}; a problem at its key's line otherwise. */
    private boolean known(YamlValue.Mapping in, String param, String where) {
        if (specs.containsKey(param)) {
            return true;
        }
        checks.problem(
                in.get(param).file(),
                in.keyLine(param),
                where,
                "strategy '" + strategy + "' has no parameter '" + param + "' (parameters: "
                        + (specs.isEmpty() ? "none" : String.join(", ", specs.keySet())) + ")");
        return false;
    }

    /** Records where {@code param} is set; a problem when it was set elsewhere already. */
    private boolean placed(String param, YamlValue at, String where) {
        String first = placedAt.putIfAbsent(param, where);
        if (first == null) {
            return true;
        }
        checks.problem(
                at,
                where,
                "parameter '" + param + "' is already set at " + first
                        + "; set each parameter in one of params:, grid: or zip:");
        return false;
    }

    /** Whether {@code value} has the declared type of {@code param}. */
    private boolean typed(String param, YamlValue value, String where) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put(param, value.plain());
        try {
            // Binding against this one spec type-checks the value without requiring the others.
            StrategyParameters.bind(strategy, List.of(specs.get(param)), one);
            return true;
        } catch (IllegalArgumentException e) {
            checks.problem(value, where, e.getMessage());
            return false;
        }
    }
}
