package org.transprune.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.transprune.checkpoint.QwenCheckpoints;
import org.transprune.config.TextConfig;
import org.transprune.image.RgbImage;
import org.transprune.model.ComputeDtype;
import org.transprune.prune.PruningStrategy;

/**
 * What the experiment runner needs of an opened checkpoint, whichever family it is: {@link LlavaPipeline}
 * (LLaVA-1.5, LLaVA-NeXT) or {@link QwenPipeline} (Qwen2.5-VL). {@link #open} chooses by the checkpoint's
 * {@code config.json}.
 */
public interface AnsweringPipeline extends AutoCloseable {

    /** Opens a LLaVA or a Qwen2.5-VL checkpoint directory. */
    static AnsweringPipeline open(Path dir, LlavaPipeline.Options options, Integer maxPixels) {
        if (QwenCheckpoints.isQwen(dir)) {
            return QwenPipeline.open(dir, QwenPipeline.Options.of(options).withMaxPixels(maxPixels));
        }
        return LlavaPipeline.open(dir, options);
    }

    /** A short description for logs and provenance. */
    List<String> describe();

    /** Wall time of opening the checkpoint. */
    long loadNanos();

    /** Whether the image of {@code imageKey} is cached (its file need not be read again). */
    boolean hasCachedImage(String imageKey);

    /**
     * Whether {@code strategy} can answer about {@code imageKey} without the image being read again
     * (a strategy with a projector stage may need tower outputs beyond the cached embeddings).
     */
    default boolean hasCachedImage(String imageKey, PruningStrategy strategy) {
        return hasCachedImage(imageKey);
    }

    /** Answers one question greedily; see {@link LlavaPipeline#answer(String, String, Supplier, PruningStrategy, long, int)}. */
    LlavaPipeline.Answer answer(
            String question,
            String imageKey,
            Supplier<RgbImage> image,
            PruningStrategy strategy,
            long seed,
            int maxNewTokens);

    /** The decoder's shape (for the cost of each sample). */
    TextConfig text();

    /** The decoder's compute precision (for the KV-cache figure of an answer). */
    ComputeDtype computeDtype();

    /**
     * Whether the number of image tokens follows the image (LLaVA-NeXT, Qwen2.5-VL): each answer then carries
     * its tokens' origins, through which selection recall is computed.
     */
    boolean variableImageTokens();

    /** Patches per side of LLaVA-1.5's single view (meaningful only without {@link #variableImageTokens()}). */
    int gridSize();

    @Override
    void close();
}
