package org.transprune.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.cost.CostReport;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyCode;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.records.SolvedBudget;

/**
 * A {@code chain:} entry of the {@code strategies:} section (docs/method.md#chaining): a projector-stage
 * strategy, then an in-LLM one, each written like an entry of its own (name, params, grid, zip,
 * schedule). Its configurations are the product of the members' combinations times the seeds; each
 * carries both members' parameters (prefixed with the member's name) and both codes in its hash. A
 * {@code budget:} on the entry (or the experiment's, unless the entry writes {@code budget: none}) is met by
 * solving the first member's budget parameter (the tokens entering the decoder) with the second member as written.
 */
final class ChainEntry {
    static final Set<String> KEYS = Set.of("chain", "label", BudgetSection.KEY);
    private static final Set<String> MEMBER_KEYS = Set.of("name", "params", "grid", "zip", "schedule");

    /**
     * One combination of a member's parameters.
     *
     * @param raw the parameters as written (a budget parameter may be solved into a copy)
     * @param strategy the strategy built from {@code raw}
     */
    private record Member(
            String name,
            StrategyProvider provider,
            Map<String, Object> raw,
            PruningStrategy strategy,
            Map<String, Object> parameters,
            YamlValue node) {}

    private ChainEntry() {}

    /** The configurations of a chain entry; none when it has a problem. */
    static List<RunConfiguration> read(
            StrategyGrid grid,
            YamlChecks checks,
            ModelSpec model,
            Map<String, Object> modelIdentity,
            List<Long> seeds,
            int maxNewTokens,
            YamlValue.Mapping m,
            String key) {
        int before = checks.problemCount();
        checks.unknownKeys(m, key, KEYS);
        YamlValue chain = m.get("chain");
        String where = key + ".chain";
        if (!(chain instanceof YamlValue.Sequence seq) || seq.items().size() != 2) {
            checks.problem(
                    chain,
                    where,
                    "must list two strategies, a projector-stage one then an in-LLM one (e.g. [visionzip,"
                            + " transprune]), got " + YamlChecks.describe(chain));
            return List.of();
        }
        List<List<Member>> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            members.add(member(grid, checks, seq.items().get(i), where + "[" + i + "]", i == 0));
        }
        if (checks.problemCount() > before) {
            return List.of();
        }
        String label = checks.string(m, "label", key + ".label", null);
        BudgetSection.Stated own =
                BudgetSection.read(m.get(BudgetSection.KEY), key + "." + BudgetSection.KEY, true, checks);
        BudgetSection.Stated budget = own != null ? own : grid.experimentBudget();
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
            for (Member written : members.get(0)) {
                for (Member second : members.get(1)) {
                    Member first = written;
                    SolvedBudget solved = null;
                    if (target != null) {
                        try {
                            Map<String, Object> raw = new LinkedHashMap<>(written.raw());
                            BudgetSolver.Solution s = BudgetSolver.solve(
                                    written.provider(),
                                    raw,
                                    model,
                                    target,
                                    s0 -> ChainedStrategy.of(s0, second.strategy()));
                            raw.put(s.parameter(), s.value());
                            StrategyParameters bound = StrategyParameters.bind(
                                    written.name(), written.provider().parameters(), raw);
                            first = new Member(
                                    written.name(),
                                    written.provider(),
                                    raw,
                                    written.provider().create(bound),
                                    bound.asMap(),
                                    written.node());
                            SolvedBudget r = s.record(target, model.imageTokens());
                            solved = new SolvedBudget(
                                    r.measure(),
                                    r.target(),
                                    written.name() + "." + r.parameter(),
                                    r.achieved(),
                                    r.reachable(),
                                    r.imageTokens());
                        } catch (IllegalArgumentException e) {
                            checks.problem(
                                    own != null ? own.node() : m,
                                    own != null ? own.key() : key,
                                    e.getMessage()
                                            + " (the chain's first member, '" + written.name() + "', meets the budget)"
                                            + (own == null ? " (from the experiment's " + budget.where() + ")" : ""));
                            continue;
                        }
                    }
                    Member projector = first;
                    ChainedStrategy chained = ChainedStrategy.of(first.strategy(), second.strategy());
                    Map<String, Object> parameters = new LinkedHashMap<>();
                    projector.parameters().forEach((k, v) -> parameters.put(projector.name() + "." + k, v));
                    second.parameters().forEach((k, v) -> parameters.put(second.name() + "." + k, v));
                    CostReport cost;
                    try {
                        cost = ConfigurationCost.of(chained, model);
                    } catch (IllegalArgumentException e) {
                        checks.problem(
                                second.node(),
                                where,
                                "invalid schedule for the model ("
                                        + model.config().text().numLayers() + " layers, "
                                        + model.imageTokens() + " image tokens): " + e.getMessage() + " with "
                                        + parameters);
                        continue;
                    }
                    StrategyCode code = StrategyCode.chained(
                            StrategyCode.of(first.provider(), first.strategy()),
                            StrategyCode.of(second.provider(), second.strategy()));
                    for (long seed : seeds) {
                        out.add(new RunConfiguration(
                                chained.name(),
                                label == null ? chained.name() : label,
                                parameters,
                                seed,
                                maxNewTokens,
                                modelIdentity,
                                cost,
                                chained,
                                code,
                                solved));
                    }
                }
            }
        }
        return out;
    }

    /** One member's strategies (one per combination of its parameters); none when it has a problem. */
    private static List<Member> member(
            StrategyGrid grid, YamlChecks checks, YamlValue item, String key, boolean projectorStage) {
        YamlValue.Mapping m = YamlChecks.nameOrMapping(item);
        if (m == null) {
            checks.problem(
                    item,
                    key,
                    "must be a strategy name or a mapping (name:, params:, grid:, zip:), got " + item.kind());
            return List.of();
        }
        int before = checks.problemCount();
        checks.unknownKeys(m, key, MEMBER_KEYS);
        String name = checks.string(m, "name", key + ".name", null);
        if (name == null) {
            checks.problem(m, key + ".name", "missing");
            return List.of();
        }
        StrategyProvider provider = grid.provider(m, key, name);
        if (provider == null) {
            return List.of();
        }
        ParameterAxes values = new ParameterAxes(checks, provider, key);
        values.params(m.get("params"));
        values.grid(m.get("grid"));
        values.zip(m.get("zip"));
        values.schedule(m.get("schedule"));
        if (checks.problemCount() > before) {
            return List.of();
        }
        List<Member> out = new ArrayList<>();
        for (Map<String, ParameterAxes.Written> written : values.combinations()) {
            Map<String, Object> raw = new LinkedHashMap<>();
            written.forEach((k, w) -> raw.put(k, w.value()));
            try {
                StrategyParameters bound = StrategyParameters.bind(name, provider.parameters(), raw);
                PruningStrategy strategy = provider.create(bound);
                if (projectorStage != (strategy.projectorStage() != null)) {
                    checks.problem(
                            m.get("name"),
                            key + ".name",
                            projectorStage
                                    ? "'" + name + "' prunes inside the decoder; a chain starts with a strategy that"
                                            + " decides before it (e.g. visionzip, divprune, cdpruner, fastervlm)"
                                    : "'" + name + "' decides before the decoder; the second member of a chain must"
                                            + " prune inside it (e.g. transprune, fastv)");
                    return List.of();
                }
                out.add(new Member(name, provider, raw, strategy, bound.asMap(), m));
            } catch (IllegalArgumentException e) {
                checks.problem(
                        ParameterAxes.blame(e.getMessage(), written, m),
                        key,
                        e.getMessage() + (written.isEmpty() ? "" : " with " + raw));
            }
        }
        return out;
    }
}
