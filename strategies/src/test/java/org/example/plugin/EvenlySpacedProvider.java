package org.example.plugin;

import java.util.List;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/** {@code example-evenly-spaced}: after one layer, keep image tokens spread evenly over the image block. */
public final class EvenlySpacedProvider implements StrategyProvider {

    @Override
    public String name() {
        return "example-evenly-spaced";
    }

    @Override
    public String description() {
        return "plug-in example: keep evenly spaced image tokens after one layer";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.of("layer", ParameterSpec.Type.INT, 2, "prune after this 1-based layer"),
                ParameterSpec.of("keep", ParameterSpec.Type.DOUBLE, 0.25, "fraction of image tokens kept, in (0, 1]"));
    }

    @Override
    public PruningStrategy create(StrategyParameters p) {
        int layer = p.getInt("layer");
        double keep = p.getDouble("keep");
        if (layer < 1) {
            throw p.invalid("layer", "must be at least 1");
        }
        if (!(keep > 0 && keep <= 1)) {
            throw p.invalid("keep", "must be in (0, 1]");
        }
        return new PruningStrategy() {
            @Override
            public String name() {
                return "example-evenly-spaced";
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                PruneSchedule s = PruneSchedule.ofOriginalRatios(imageTokens, List.of(layer), List.of(keep));
                s.requireWithinDepth(numLayers);
                return s;
            }

            @Override
            public LayerSignals signals(int l, PruneSchedule schedule) {
                return LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return (afterLayer, k, layout) -> {
                    int n = layout.imageLength();
                    int[] kept = new int[k];
                    for (int i = 0; i < k; i++) {
                        // i * n / k is strictly increasing in i because k <= n.
                        kept[i] = (int) ((long) i * n / k);
                    }
                    return kept;
                };
            }
        };
    }
}
