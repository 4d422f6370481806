package org.transprune.run;

import java.util.Map;
import java.util.Set;

/**
 * A {@code budget:} as an experiment or a strategy entry writes it: {@code {tflops_ratio: 0.4}} (prefill FLOPs
 * relative to the unpruned model, in (0, 1]), {@code {tokens: 192}} (the token budget, docs/method.md#budgets) or,
 * on an entry, {@code none} (the entry keeps its written parameters under an experiment's budget).
 */
final class BudgetSection {
    static final String KEY = "budget";
    private static final Set<String> MEASURES = Set.of("tflops_ratio", "tokens");

    /**
     * A stated budget.
     *
     * @param target what to meet, or null for {@code none}
     * @param node where it is written
     * @param key its key path, e.g. {@code strategies[2].budget}
     */
    record Stated(BudgetSolver.Target target, YamlValue node, String key) {
        boolean none() {
            return target == null;
        }

        /** e.g. {@code budget tflops_ratio 0.41 (default.yaml:24)}. */
        String where() {
            return "budget " + (target == null ? "none" : target.describe()) + " ("
                    + node.file().getFileName() + ":" + node.line() + ")";
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
                    "must be a mapping with one of tflops_ratio: (a number in (0, 1]) or tokens: (a positive number)"
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
        if (!(e.getValue().plain() instanceof Number n)) {
            checks.problem(e.getValue(), k, "must be a number, got " + YamlChecks.describe(e.getValue()));
            return null;
        }
        double v = n.doubleValue();
        boolean ratio = e.getKey().equals("tflops_ratio");
        if (ratio ? !(v > 0 && v <= 1) : !(v > 0)) {
            checks.problem(e.getValue(), k, ratio ? "must be in (0, 1], got " + v : "must be positive, got " + v);
            return null;
        }
        return new Stated(
                new BudgetSolver.Target(ratio ? BudgetSolver.Measure.TFLOPS_RATIO : BudgetSolver.Measure.TOKENS, v),
                node,
                key);
    }
}
