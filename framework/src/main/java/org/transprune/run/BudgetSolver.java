package org.transprune.run;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.transprune.cost.CostReport;
import org.transprune.cost.TokenBudget;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.records.SolvedBudget;

/**
 * Solves a strategy's budget parameter ({@link ParameterSpec#budget()}) so that a configuration meets a stated
 * budget, with the cost model alone (docs/method.md#budgets): the budget figure is computed for candidate values
 * by building the strategy and pricing its schedule on the model's nominal image-token count, and a deterministic
 * search finds the value whose figure is nearest the target. Figures are step functions of the value (kept counts
 * are integers), so the solution is the nearest reachable step (a tie goes to the cheaper one); a number is then
 * written as the shortest decimal giving the same schedule (FastV's {@code r} becomes 0.72, not 0.7187500001).
 */
final class BudgetSolver {
    /** Bisection steps on a real interval: far below one kept token for any realistic N. */
    private static final int BISECTIONS = 80;
    /** Where an open end of an interval is approached: this share of the interval inside it. */
    private static final double OPEN_END = 1e-9;

    /** What a budget constrains. */
    enum Measure {
        /** Prefill FLOPs relative to the unpruned model ({@link CostReport#flopsRatio()}). */
        TFLOPS_RATIO("tflops_ratio"),
        /** The token budget of {@link TokenBudget}. */
        TOKENS("tokens");

        final String key;

        Measure(String key) {
            this.key = key;
        }

        double of(CostReport cost) {
            return this == TFLOPS_RATIO ? cost.flopsRatio() : TokenBudget.of(cost);
        }
    }

    /**
     * A stated budget.
     *
     * @param measure what it constrains
     * @param value the figure to meet
     */
    record Target(Measure measure, double value) {
        String describe() {
            return measure.key + " "
                    + BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
    }

    /**
     * The solved value.
     *
     * @param parameter the budget parameter
     * @param value its value (typed as the parameter)
     * @param achieved the figure of the configuration with that value
     * @param lowest the lowest figure the parameter reaches
     * @param highest the highest
     */
    record Solution(String parameter, Object value, double achieved, double lowest, double highest) {
        SolvedBudget record(Target target, int imageTokens) {
            return new SolvedBudget(
                    target.measure().key, target.value(), parameter, achieved, List.of(lowest, highest), imageTokens);
        }
    }

    private final StrategyProvider provider;
    private final Map<String, Object> written;
    private final ModelSpec model;
    private final ParameterSpec spec;
    private final Target target;
    private final UnaryOperator<PruningStrategy> configuration;

    private BudgetSolver(
            StrategyProvider provider,
            Map<String, Object> written,
            ModelSpec model,
            Target target,
            UnaryOperator<PruningStrategy> configuration) {
        this.provider = provider;
        this.written = written;
        this.model = model;
        this.target = target;
        this.configuration = configuration;
        this.spec = ParameterSpec.budgetParameter(provider.parameters());
    }

    /**
     * The value of {@code provider}'s budget parameter that makes the configuration with the other parameters
     * {@code written} meet {@code target} on {@code model}.
     *
     * @param written the entry's parameter values; for a list-valued budget parameter its value here (or its
     *     default) is the shape the solver scales, for another it must be absent
     * @throws IllegalArgumentException when the strategy has no budget parameter, the model's shape is unknown, the
     *     parameter is also written, or the target lies outside the reachable range (which the message gives)
     */
    static Solution solve(StrategyProvider provider, Map<String, Object> written, ModelSpec model, Target target) {
        return solve(provider, written, model, target, UnaryOperator.identity());
    }

    /**
     * {@link #solve(StrategyProvider, Map, ModelSpec, Target)} for a configuration of which {@code provider}'s
     * strategy is one part: {@code configuration} builds the whole priced strategy from it (for a chain, the
     * projector-stage member followed by the in-LLM one, docs/method.md#chaining).
     */
    static Solution solve(
            StrategyProvider provider,
            Map<String, Object> written,
            ModelSpec model,
            Target target,
            UnaryOperator<PruningStrategy> configuration) {
        return new BudgetSolver(provider, written, model, target, configuration).solve();
    }

    private Solution solve() {
        if (spec == null) {
            throw new IllegalArgumentException("strategy '" + provider.name()
                    + "' declares no budget parameter, so a budget cannot be solved for it; give its parameters"
                    + " instead (or budget: none on the entry)");
        }
        if (model.text() == null) {
            throw new IllegalArgumentException("a budget needs the model's shape, and it is unknown");
        }
        if (spec.type() != ParameterSpec.Type.DOUBLE_LIST && written.containsKey(spec.name())) {
            throw new IllegalArgumentException("parameter '" + spec.name() + "' of strategy '" + provider.name()
                    + "' is its budget parameter and is solved from the budget (" + target.describe()
                    + "); do not set it as well");
        }
        ParameterSpec.Budget range = spec.budget();
        if (range.choices() != null) {
            return choices(range.choices());
        }
        if (spec.type() == ParameterSpec.Type.INT) {
            return integers(range);
        }
        return reals(range);
    }

    /** The budget figure with the budget parameter at {@code value}. */
    private double figure(Object value) {
        Map<String, Object> raw = new LinkedHashMap<>(written);
        raw.put(spec.name(), value);
        StrategyParameters bound = StrategyParameters.bind(provider.name(), provider.parameters(), raw);
        CostReport cost = ConfigurationCost.of(configuration.apply(provider.create(bound)), model);
        return target.measure().of(cost);
    }

    private Solution choices(List<Integer> values) {
        double[] figures = new double[values.size()];
        int best = -1;
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.size(); i++) {
            figures[i] = figure(values.get(i));
            lowest = Math.min(lowest, figures[i]);
            highest = Math.max(highest, figures[i]);
            if (best < 0 || closer(figures[i], figures[best])) {
                best = i;
            }
        }
        requireReachable(lowest, highest, "choices " + values);
        return new Solution(spec.name(), values.get(best), figures[best], lowest, highest);
    }

    private Solution integers(ParameterSpec.Budget range) {
        long lo = range.lowerOpen() ? (long) Math.floor(range.lower()) + 1 : (long) Math.ceil(range.lower());
        long hi;
        if (range.upToImageTokens()) {
            hi = model.imageTokens();
        } else {
            hi = range.upperOpen() ? (long) Math.ceil(range.upper()) - 1 : (long) Math.floor(range.upper());
        }
        if (lo > hi) {
            throw new IllegalArgumentException("parameter '" + spec.name() + "' has no value in " + range.describe());
        }
        double fLo = figure((int) lo);
        double fHi = figure((int) hi);
        requireReachable(Math.min(fLo, fHi), Math.max(fLo, fHi), range.describe());
        boolean increasing = fHi >= fLo;
        // Invariant: the oriented figure is <= target at a and >= target at b.
        long a = increasing ? lo : hi;
        long b = increasing ? hi : lo;
        double fa = increasing ? fLo : fHi;
        double fb = increasing ? fHi : fLo;
        while (Math.abs(b - a) > 1) {
            long mid = a + (b - a) / 2;
            double f = figure((int) mid);
            if (f <= target.value()) {
                a = mid;
                fa = f;
            } else {
                b = mid;
                fb = f;
            }
        }
        boolean pickA = fa == fb || !closer(fb, fa);
        return new Solution(
                spec.name(), (int) (pickA ? a : b), pickA ? fa : fb, Math.min(fLo, fHi), Math.max(fLo, fHi));
    }

    /** A number, or the scale of a list, on a real interval: bisection, then the shortest decimal of the step. */
    private Solution reals(ParameterSpec.Budget range) {
        double lower;
        double upper;
        List<Double> shape = null;
        if (spec.type() == ParameterSpec.Type.DOUBLE_LIST) {
            shape = shape();
            double max = shape.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double min = shape.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            // The scale keeps every element in the range: lower <= s * x <= upper for all x of the shape.
            lower = range.lower() <= 0 ? 0 : range.lower() / min;
            upper = range.upper() / max;
        } else {
            lower = range.lower();
            upper = range.upper();
        }
        double span = upper - lower;
        double lo = range.lowerOpen() ? lower + OPEN_END * span : lower;
        double hi = range.upperOpen() ? upper - OPEN_END * span : upper;
        List<Double> listShape = shape;
        java.util.function.DoubleFunction<Object> valueAt = t -> listShape == null ? t : scaled(listShape, t);
        double fLo = figure(valueAt.apply(lo));
        double fHi = figure(valueAt.apply(hi));
        double lowest = Math.min(fLo, fHi);
        double highest = Math.max(fLo, fHi);
        requireReachable(lowest, highest, shape == null ? range.describe() : "scales of " + shape);
        boolean increasing = fHi >= fLo;
        double a = increasing ? lo : hi;
        double b = increasing ? hi : lo;
        double fa = increasing ? fLo : fHi;
        double fb = increasing ? fHi : fLo;
        for (int i = 0; i < BISECTIONS && fa != fb; i++) {
            double mid = (a + b) / 2;
            if (mid == a || mid == b) {
                break;
            }
            double f = figure(valueAt.apply(mid));
            if (f <= target.value()) {
                a = mid;
                fa = f;
            } else {
                b = mid;
                fb = f;
            }
        }
        boolean pickA = fa == fb || !closer(fb, fa);
        double chosen = pickA ? a : b;
        double achieved = pickA ? fa : fb;
        // The step the chosen value lies on, widened to both sides, and its shortest decimal.
        double stepLow = edge(chosen, achieved, Math.min(lo, hi), valueAt);
        double stepHigh = edge(chosen, achieved, Math.max(lo, hi), valueAt);
        double nice = shortestDecimal(stepLow, stepHigh);
        if (figure(valueAt.apply(nice)) == achieved) {
            chosen = nice;
        }
        return new Solution(spec.name(), valueAt.apply(chosen), achieved, lowest, highest);
    }

    /** The farthest point towards {@code end} from {@code from} whose figure is still {@code achieved}. */
    private double edge(double from, double achieved, double end, java.util.function.DoubleFunction<Object> valueAt) {
        if (figure(valueAt.apply(end)) == achieved) {
            return end;
        }
        double in = from;
        double out = end;
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (in + out) / 2;
            if (mid == in || mid == out) {
                break;
            }
            if (figure(valueAt.apply(mid)) == achieved) {
                in = mid;
            } else {
                out = mid;
            }
        }
        return in;
    }

    /** The list-valued budget parameter's written value, or its default: the shape a scale multiplies. */
    @SuppressWarnings("unchecked")
    private List<Double> shape() {
        Object v = written.containsKey(spec.name()) ? written.get(spec.name()) : spec.defaultValue();
        if (!(v instanceof List<?> l) || l.isEmpty()) {
            throw new IllegalArgumentException("parameter '" + spec.name() + "' of strategy '" + provider.name()
                    + "' needs a non-empty list whose shape the budget scales, got " + v);
        }
        List<Double> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Number n) || !(n.doubleValue() > 0)) {
                throw new IllegalArgumentException("parameter '" + spec.name() + "' of strategy '" + provider.name()
                        + "': a budget scales its values, which must be positive numbers, got " + l);
            }
            out.add(n.doubleValue());
        }
        return out;
    }

    /** {@code shape} times {@code scale}, each element rounded to 12 decimals (no binary noise in the records). */
    static List<Double> scaled(List<Double> shape, double scale) {
        return shape.stream()
                .map(x -> BigDecimal.valueOf(x * scale)
                        .setScale(12, RoundingMode.HALF_EVEN)
                        .stripTrailingZeros()
                        .doubleValue())
                .toList();
    }

    /** The decimal with the fewest digits in [low, high] (nearest the middle among those), or the middle. */
    static double shortestDecimal(double low, double high) {
        double mid = (low + high) / 2;
        for (int digits = 0; digits <= 15; digits++) {
            BigDecimal step = BigDecimal.ONE.movePointLeft(digits);
            BigDecimal first = BigDecimal.valueOf(low).divide(step).setScale(0, RoundingMode.CEILING);
            BigDecimal last = BigDecimal.valueOf(high).divide(step).setScale(0, RoundingMode.FLOOR);
            if (first.compareTo(last) <= 0) {
                BigDecimal near = BigDecimal.valueOf(mid).divide(step).setScale(0, RoundingMode.HALF_EVEN);
                near = near.max(first).min(last);
                return near.multiply(step).doubleValue();
            }
        }
        return mid;
    }

    /** Whether {@code f} is nearer the target than {@code best}, a tie going to the lower (cheaper) figure. */
    private boolean closer(double f, double best) {
        double df = Math.abs(f - target.value());
        double db = Math.abs(best - target.value());
        return df < db || (df == db && f < best);
    }

    private void requireReachable(double lowest, double highest, String over) {
        double slack = 1e-12 * Math.max(1, Math.abs(target.value()));
        if (target.value() < lowest - slack || target.value() > highest + slack) {
            throw new IllegalArgumentException("the budget " + target.describe() + " cannot be met by strategy '"
                    + provider.name() + "': its budget parameter '" + spec.name() + "' over " + over
                    + " reaches " + target.measure().key + " from " + format(lowest) + " to " + format(highest)
                    + " on this model (N = " + model.imageTokens() + ")");
        }
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
