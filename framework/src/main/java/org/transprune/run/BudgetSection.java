package org.transprune.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code budget:} as an experiment or a strategy entry writes it: {@code {tflops_ratio: 0.4}} (prefill FLOPs
 * relative to the unpruned model, in (0, 1]), {@code {tokens: 192}} (the token budget, docs/method.md#budgets), a
 * list of either ({@code {tokens: [64, 128, 192]}}: one configuration per budget, the field's protocol) or, on an
 * entry, {@code none} (the entry keeps its written parameters under an experiment's budget).
 */
final class BudgetSection {
    static final String KEY = "budget";
    private static final Set<String> MEASURES = Set.of("tflops_ratio", "tokens");

    /**
     * A stated budget.
     *
     * @param targets what to meet, one configuration each (in the order written), or null for {@code none}
     * @param node where it is written
     * @param key its key path, e.g. {@code strategies[2].budget}
     */
    record Stated(List<BudgetSolver.Target> targets, YamlValue node, String key) {
        Stated {
            targets = targets == null ? null : List.copyOf(targets);
        }

        boolean none() {
            return targets == null;
        }

        /** e.g. {@code budget tflops_ratio 0.41 (default.yaml:24)}. */
        String where() {
            String what = targets == null
                    ? "none"
                    : String.join(
                            ", ",
                            targets.stream().map(BudgetSolver.Target::describe).toList());
            return "budget " + what + " (" + node.file().getFileName() + ":" + node.line() + ")";
        }
    }

    private BudgetSection() {}

    /** The budget at {@code node}, or null when absent or invalid (a problem is recorded then). */
    static Stated read(YamlValue node, String key, boolean noneAllowed, YamlChecks checks) {
        if (node == null) {
            return null;
        }
        if (noneAllowed && node.plain() instanceof String s && s.equals("none")) {
            return new Stated(null, node, key);
        }
        if (!(node instanceof YamlValue.Mapping m) || m.entries().size() != 1) {
            checks.problem(
                    node,
                    key,
                    "must be a mapping with one of tflops_ratio: (a number in (0, 1]) or tokens: (a positive number), or a list of them"
                            + (noneAllowed ? ", or none" : "") + ", got " + YamlChecks.describe(node));
            return null;
        }
        Map.Entry<String, YamlValue> e = m.entries().entrySet().iterator().next();
        String k = key + "." + e.getKey();
        if (!MEASURES.contains(e.getKey())) {
            checks.problem(
                    m.get(e.getKey()).file(),
                    m.keyLine(e.getKey()),
                    k,
                    "unknown budget '" + e.getKey() + "' (budgets: tflops_ratio, tokens)");
            return null;
        }
        boolean ratio = e.getKey().equals("tflops_ratio");
        BudgetSolver.Measure measure = ratio ? BudgetSolver.Measure.TFLOPS_RATIO : BudgetSolver.Measure.TOKENS;
        List<YamlValue> values = e.getValue() instanceof YamlValue.Sequence seq ? seq.items() : List.of(e.getValue());
        if (values.isEmpty()) {
            checks.problem(e.getValue(), k, "must be a number or a non-empty list of numbers, got an empty list");
            return null;
        }
        List<BudgetSolver.Target> targets = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            YamlValue value = values.get(i);
            String at = value == e.getValue() ? k : k + "[" + i + "]";
            if (!(value.plain() instanceof Number n)) {
                checks.problem(value, at, "must be a number, got " + YamlChecks.describe(value));
                return null;
            }
            double v = n.doubleValue();
            if (ratio ? !(v > 0 && v <= 1) : !(v > 0)) {
                checks.problem(value, at, ratio ? "must be in (0, 1], got " + v : "must be positive, got " + v);
                return null;
            }
            BudgetSolver.Target t = new BudgetSolver.Target(measure, v);
            if (targets.contains(t)) {
                checks.problem(value, at, "repeats " + t.describe());
                return null;
            }
            targets.add(t);
        }
        return new Stated(targets, node, key);
    }
}
