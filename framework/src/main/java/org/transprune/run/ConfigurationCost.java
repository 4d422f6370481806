package org.transprune.run;

import org.transprune.config.TextConfig;
import org.transprune.cost.CostModel;
import org.transprune.cost.CostReport;
import org.transprune.cost.PruneSchedule;
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
        PruneSchedule schedule = strategy.schedule(model.imageTokens(), layers);
        schedule.requireWithinDepth(layers);
        return CostModel.of(model.text()).report(schedule, KV_BYTES_PER_ELEMENT);
    }

    /**
     * The cost of one sample: its own schedule (a ratio of its own image-token count under LLaVA-NeXT's
     * AnyRes) on the decoder {@code text}.
     */
    static CostReport ofSample(PruneSchedule schedule, TextConfig text) {
        return CostModel.of(text).report(schedule, KV_BYTES_PER_ELEMENT);
    }
}
