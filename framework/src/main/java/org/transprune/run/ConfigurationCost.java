package org.transprune.run;

import org.transprune.config.TextConfig;
import org.transprune.cost.CostModel;
import org.transprune.cost.CostReport;
import org.transprune.cost.PruneSchedule;
import org.transprune.pipeline.AnyResProjectorStep;
import org.transprune.prune.ProjectorStage;
import org.transprune.prune.PruningStrategy;

/** The theoretical cost of a built strategy on the experiment's model (see docs/method.md for the convention). */
final class ConfigurationCost {
    /** KV-cache bytes are reported at fp16, as the paper does. */
    static final int KV_BYTES_PER_ELEMENT = 2;

    private ConfigurationCost() {}

    /**
     * The cost report of {@code strategy}'s schedule on {@code model}, or null when the model's
     * shape is unknown.
     *
     * @throws IllegalArgumentException when the schedule does not fit the model
     */
    static CostReport of(PruningStrategy strategy, ModelSpec model) {
        if (model.text() == null) {
            return null;
        }
        int layers = model.text().numLayers();
        PruneSchedule schedule = nominalSchedule(strategy, model, layers);
        schedule.requireWithinDepth(layers);
        return CostModel.of(model.text()).report(schedule, KV_BYTES_PER_ELEMENT);
    }

    /**
     * The schedule of {@code strategy} on the model's nominal image: its own schedule, except for a
     * projector stage on LLaVA-NeXT, which decides per view (docs/llava-next.md#projector-stage): the
     * nominal image has {@code N / grid²} views (base view plus the most tiles a pinpoint holds) and
     * lets {@code views x enteringTokens(grid²)} tokens in, under either {@link
     * org.transprune.prune.ViewRule} (a whole-block stage's share of N is the same count there).
     */
    static PruneSchedule nominalSchedule(PruningStrategy strategy, ModelSpec model, int layers) {
        int n = model.imageTokens();
        ProjectorStage stage = strategy.projectorStage();
        if (stage == null || model.config() == null || !model.config().isAnyRes()) {
            return strategy.schedule(n, layers);
        }
        int perView = model.config().imageTokens();
        int views = Math.max(1, n / perView);
        int k = views * stage.enteringTokens(perView);
        return AnyResProjectorStep.schedule(strategy, n, Math.min(k, n), layers);
    }

    /**
     * The cost of one sample: its own schedule (a ratio of its own image-token count under LLaVA-NeXT's
     * AnyRes) on the decoder {@code text}.
     */
    static CostReport ofSample(PruneSchedule schedule, TextConfig text) {
        return CostModel.of(text).report(schedule, KV_BYTES_PER_ELEMENT);
    }
}
