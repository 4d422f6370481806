package org.transprune.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The token budget of a schedule: tokens entering the decoder with a projector stage, else the per-layer mean. */
class TokenBudgetTest {
    private static final int N = 576;

    @Test
    void aProjectorStageMakesTheBudgetTheTokensEnteringTheDecoderWhateverFollows() {
        PruneSchedule projector = new PruneSchedule(N, List.of(new PruneSchedule.Stage(0, 64)));
        assertEquals(64, TokenBudget.projectorKeep(projector));
        assertEquals(64, TokenBudget.enteringLlm(projector));
        assertEquals(64.0, TokenBudget.of(projector, 32), 0.0);

        // A chain: 192 enter, then 96 after layer 2 and 24 after layer 9; the budget stays 192, not the mean.
        PruneSchedule chain = new PruneSchedule(
                N,
                List.of(
                        new PruneSchedule.Stage(0, 192),
                        new PruneSchedule.Stage(2, 96),
                        new PruneSchedule.Stage(9, 24)));
        assertEquals(192, TokenBudget.enteringLlm(chain));
        assertEquals(192.0, TokenBudget.of(chain, 32), 0.0);
        double mean = (2 * 192 + 7 * 96 + 23 * 24) / 32.0;
        assertEquals(mean, average(chain.tokensPerLayer(32)), 1e-12, "the mean would differ; the budget is not it");
    }

    @Test
    void withoutAProjectorStageEveryTokenEntersAndTheBudgetIsTheMeanOverLayers() {
        PruneSchedule inLlm = new PruneSchedule(N, List.of(new PruneSchedule.Stage(2, 144)));
        assertEquals(-1, TokenBudget.projectorKeep(inLlm));
        assertEquals(N, TokenBudget.enteringLlm(inLlm));
        assertEquals((2 * 576 + 30 * 144) / 32.0, TokenBudget.of(inLlm, 32), 0.0);
        PruneSchedule none = PruneSchedule.unpruned(N);
        assertEquals(N, TokenBudget.enteringLlm(none));
        assertEquals(576.0, TokenBudget.of(none, 32), 0.0);
    }

    private static double average(int[] tokens) {
        double sum = 0;
        for (int t : tokens) {
            sum += t;
        }
        return sum / tokens.length;
    }
}
