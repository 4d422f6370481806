package org.transprune.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.cost.CostReport;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PluginException;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyCode;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.records.SolvedBudget;

/**
 * The {@code strategies:} section expanded into configurations: each entry's parameter grid
 * ({@link ParameterAxes}) times the seeds, every combination bound, built once and priced on the
 * model. Duplicates (the same hash from two entries) run once; unpruned configurations come first,
 * so agreement with the unpruned answers can be computed as soon as a configuration finishes. A {@code budget:} on
 * the entry (or the experiment's, which every pruning entry inherits unless it writes {@code budget: none}) has
 * its strategy's budget parameter solved by {@link BudgetSolver} for each combination.
 */
final class StrategyGrid {
    static final Set<String> KEYS = Set.of("name", "label", "schedule", "params", "grid", "zip", BudgetSection.KEY);

    private final YamlChecks checks;
    private final ModelSpec model;
    private final Map<String, Object> modelIdentity;
    private final List<Long> seeds;
    private final int maxNewTokens;
    private final BudgetSection.Stated experimentBudget;

    /**
     * @param modelIdentity {@link ModelSpec#identity()}, computed once (it fingerprints the checkpoint)
     */
    StrategyGrid(YamlChecks checks, ModelSpec model, Map<String, Object> modelIdentity, List<Long> seeds, int maxNew) {
        this(checks, model, modelIdentity, seeds, maxNew, null);
    }

    /**
     * @param modelIdentity {@link ModelSpec#identity()}, computed once (it fingerprints the checkpoint)
     * @param experimentBudget the experiment's {@code budget:}, or null
     */
    StrategyGrid(
            YamlChecks checks,
            ModelSpec model,
            Map<String, Object> modelIdentity,
            List<Long> seeds,
            int maxNew,
            BudgetSection.Stated experimentBudget) {
        this.checks = checks;
        this.model = model;
        this.modelIdentity = modelIdentity;
        this.seeds = seeds;
        this.maxNewTokens = maxNew;
        this.experimentBudget = experimentBudget;
    }

    /** The experiment's {@code budget:}, which chain entries inherit too; null when there is none. */
    BudgetSection.Stated experimentBudget() {
        return experimentBudget;
    }

    List<RunConfiguration> read(YamlValue.Mapping doc) {
        YamlValue v = doc.get("strategies");
        if (v == null) {
            checks.problem(doc.file(), 0, "strategies", "missing: list the strategies to run (e.g. - name: none)");
            return List.of();
        }
        if (!(v instanceof YamlValue.Sequence seq) || seq.items().isEmpty()) {
            checks.problem(v, "strategies", "must be a non-empty list, got " + v.kind());
            return List.of();
        }
        List<RunConfiguration> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String key = "strategies[" + i + "]";
            YamlValue item = seq.items().get(i);
            for (RunConfiguration c : entry(item, key)) {
                String first = seen.putIfAbsent(c.hash(), key);
                if (first == null) {
                    out.add(c);
                } else {
                    checks.warning(
                            item,
                            key,
                            "configuration " + c.describe() + " is already listed by " + first + "; run once");
                }
            }
        }
        List<RunConfiguration> ordered =
                new ArrayList<>(out.stream().filter(RunConfiguration::unpruned).toList());
        out.stream().filter(c -> !c.unpruned()).forEach(ordered::add);
        return ordered;
    }

    /** The configurations of one entry; none when it has a problem. */
    private List<RunConfiguration> entry(YamlValue item, String key) {
        YamlValue.Mapping m = YamlChecks.nameOrMapping(item);
        if (m == null) {
            checks.problem(
                    item,
                    key,
                    "must be a strategy name or a mapping (name:, params:, grid:, zip:; or chain:), got "
                            + item.kind());
            return List.of();
        }
        if (m.get("chain") != null) {
            return ChainEntry.read(this, checks, model, modelIdentity, seeds, maxNewTokens, m, key);
        }
        int before = checks.problemCount();
        checks.unknownKeys(m, key, KEYS);
        String name = checks.string(m, "name", key + ".name", null);
        if (name == null) {
            checks.problem(m, key + ".name", "missing");
            return List.of();
        }
        StrategyProvider provider = provider(m, key, name);
        if (provider == null) {
            return List.of();
        }
        String label = checks.string(m, "label", key + ".label", name);
        ParameterAxes values = new ParameterAxes(checks, provider, key);
        values.params(m.get("params"));
        values.grid(m.get("grid"));
        values.zip(m.get("zip"));
        values.schedule(m.get("schedule"));
        BudgetSection.Stated own =
                BudgetSection.read(m.get(BudgetSection.KEY), key + "." + BudgetSection.KEY, true, checks);
        BudgetSection.Stated budget = own != null ? own : experimentBudget;
        if (checks.problemCount() > before) {
            return List.of();
        }
        List<RunConfiguration> out = new ArrayList<>();
        List<BudgetSolver.Target> targets = new ArrayList<>();
        if (budget == null || budget.none()) {
            targets.add(null);
        } else {
            targets.addAll(budget.targets());
        }
        for (BudgetSolver.Target target : targets) {
            for (Map<String, ParameterAxes.Written> written : values.combinations()) {
                Map<String, Object> raw = new LinkedHashMap<>();
                written.forEach((k, w) -> raw.put(k, w.value()));
                String where = written.isEmpty() ? "" : " with " + raw;
                SolvedBudget solved = null;
                if (target != null) {
                    try {
                        solved = solve(provider, raw, target, own == null);
                    } catch (IllegalArgumentException e) {
                        checks.problem(
                                own != null ? own.node() : m,
                                own != null ? own.key() : key,
                                e.getMessage()
                                        + where
                                        + (own == null ? " (from the experiment's " + budget.where() + ")" : ""));
                        continue;
                    }
                    if (solved == null && target != targets.get(0)) {
                        continue; // an inherited budget list meets the unpruned reference: it runs once
                    }
                }
                StrategyParameters bound;
                PruningStrategy strategy;
                try {
                    bound = StrategyParameters.bind(name, provider.parameters(), raw);
                    // Built once here, shared by every seed and sample of the configuration (strategies are immutable).
                    strategy = provider.create(bound);
                } catch (IllegalArgumentException e) {
                    checks.problem(ParameterAxes.blame(e.getMessage(), written, m), key, e.getMessage() + where);
                    continue;
                }
                CostReport cost;
                try {
                    cost = ConfigurationCost.of(strategy, model);
                } catch (IllegalArgumentException e) {
                    checks.problem(
                            ParameterAxes.blame(e.getMessage(), written, m),
                            key,
                            "invalid schedule for the model ("
                                    + model.text().numLayers() + " layers, " + model.imageTokens()
                                    + " image tokens): " + e.getMessage() + where);
                    continue;
                }
                StrategyCode code = StrategyCode.of(provider, strategy);
                for (long seed : seeds) {
                    out.add(new RunConfiguration(
                            name,
                            label,
                            bound.asMap(),
                            seed,
                            maxNewTokens,
                            modelIdentity,
                            cost,
                            strategy,
                            code,
                            solved));
                }
            }
        }
        return out;
    }

    /**
     * Puts the budget parameter's solved value into {@code raw} and says how it was solved; null (and {@code raw}
     * as is) when an inherited budget meets an entry that prunes nothing (the unpruned reference).
     */
    private SolvedBudget solve(
            StrategyProvider provider, Map<String, Object> raw, BudgetSolver.Target target, boolean inherited) {
        if (inherited && ParameterSpec.budgetParameter(provider.parameters()) == null) {
            CostReport asWritten = ConfigurationCost.of(
                    provider.create(StrategyParameters.bind(provider.name(), provider.parameters(), raw)), model);
            if (asWritten != null && asWritten.schedule().isUnpruned()) {
                return null;
            }
        }
        BudgetSolver.Solution s = BudgetSolver.solve(provider, raw, model, target);
        raw.put(s.parameter(), s.value());
        return s.record(target, model.imageTokens());
    }

    /** The provider registered as {@code name}, or null after a problem naming the registered ones. */
    StrategyProvider provider(YamlValue.Mapping m, String key, String name) {
        try {
            return Strategies.provider(name);
        } catch (PluginException e) {
            checks.problem(m.get("name"), key + ".name", e.getMessage());
            return null;
        } catch (IllegalArgumentException e) {
            List<String> names = Strategies.names();
            checks.problem(
                    m.get("name"),
                    key + ".name",
                    "unknown strategy '" + name + "' ("
                            + (names.isEmpty()
                                    ? "no strategies are registered on the class path"
                                    : "registered: " + String.join(", ", names))
                            + ")");
            return null;
        }
    }
}
