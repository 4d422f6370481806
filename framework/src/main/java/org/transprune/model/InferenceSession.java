package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Set;
import org.transprune.config.TextConfig;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * One request: a prefill, then decoding steps over its KV cache. All native memory of the
 * request belongs to the session's manager, and each step runs in a child manager that is closed
 * when the step ends, so memory stays flat over any number of requests.
 */
public final class InferenceSession implements AutoCloseable {
    private final TextConfig text;
    /** Patches per side of LLaVA's view (0 for models without a fixed grid, such as Qwen2.5-VL). */
    private final int grid;

    private final LlamaDecoder decoder;
    private final NDManager manager;
    private final KvCache cache;
    private TokenLayout layout;
    private int[] tokensPerLayer;
    private boolean prefilled;

    /** What a prefill produced. */
    public record PrefillResult(
            float[] logits, TokenLayout layout, int[] tokensPerLayer, long prefillNanos, long hookNanos) {}

    InferenceSession(LlavaModel model, LlamaDecoder decoder, NDManager modelManager) {
        this(model.config().text(), model.config().vision().gridSize(), decoder, modelManager);
    }

    InferenceSession(TextConfig text, int grid, LlamaDecoder decoder, NDManager modelManager) {
        this.text = text;
        this.grid = grid;
        this.decoder = decoder;
        this.manager = modelManager.newSubManager();
        this.cache = new KvCache(manager, text.numLayers());
    }

    /** The session's manager: put per-request arrays (e.g. image embeddings) here. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs the prompt through the decoder.
     *
     * @param ids prompt token ids; the {@code imageEmbeddings} rows replace positions
     *     {@code imageStart .. imageStart + rows - 1}, whose ids are ignored
     * @param imageStart index of the image block (ignored without an image)
     * @param imageEmbeddings {@code [N, hidden]} from {@link LlavaModel#encodeImage}, or null
     * @param positions position ids per token, or null for 0..L-1
     * @param hooks observers and pruning
     */
    public PrefillResult prefill(
            int[] ids, int imageStart, NDArray imageEmbeddings, int[] positions, ForwardHooks hooks) {
        return prefill(ids, imageStart, imageEmbeddings, null, positions, hooks);
    }

    /**
     * Runs the prompt through the decoder, telling observers of {@link StartSignal#IMAGE_LAYOUT} where
     * each image token came from.
     *
     * @param origins one origin per image-embedding row (e.g. an AnyRes plan's), or null for the
     *     single view of LLaVA-1.5 (or none known)
     */
    public PrefillResult prefill(
            int[] ids,
            int imageStart,
            NDArray imageEmbeddings,
            TokenOrigins origins,
            int[] positions,
            ForwardHooks hooks) {
        return run(ids, imageStart, imageEmbeddings, origins, null, positions, null, hooks);
    }

    /**
     * Runs the prompt through a decoder with multimodal rotary positions (Qwen2.5-VL).
     *
     * @param positions temporal, height and width position ids, {@code [3][ids.length]}
     * @param imageLayout where each image token came from (delivered to strategies that ask), or null
     * @see #prefill(int[], int, NDArray, int[], ForwardHooks)
     */
    public PrefillResult prefill(
            int[] ids,
            int imageStart,
            NDArray imageEmbeddings,
            int[][] positions,
            ImageLayout imageLayout,
            ForwardHooks hooks) {
        if (positions == null || positions.length != 3) {
            throw new IllegalArgumentException("give 3 position ids (temporal, height, width) per token");
        }
        for (int[] p : positions) {
            if (p.length != ids.length) {
                throw new IllegalArgumentException(p.length + " position ids for " + ids.length + " tokens");
            }
        }
        return run(ids, imageStart, imageEmbeddings, null, imageLayout, null, positions, hooks);
    }

    private PrefillResult run(
            int[] ids,
            int imageStart,
            NDArray imageEmbeddings,
            TokenOrigins origins,
            ImageLayout givenLayout,
            int[] positions,
            int[][] multimodal,
            ForwardHooks hooks) {
        if (prefilled) {
            throw new IllegalStateException("a session runs one prefill; start a new session for a new prompt");
        }
        int imageLength =
                imageEmbeddings == null ? 0 : (int) imageEmbeddings.getShape().get(0);
        if (imageLength > 0 && (imageStart < 0 || imageStart + imageLength > ids.length)) {
            throw new IllegalArgumentException("image block " + imageStart + "+" + imageLength
                    + " does not fit a prompt of " + ids.length + " tokens");
        }
        if (origins != null && origins.size() != imageLength) {
            throw new IllegalArgumentException(
                    origins.size() + " image-token origins for an image block of " + imageLength + " tokens");
        }
        int max = text.maxPositionEmbeddings();
        if (ids.length > max) {
            throw new IllegalArgumentException(
                    "prompt of " + ids.length + " tokens is longer than the model's context of " + max);
        }
        int[] pos = positions != null ? positions.clone() : range(ids.length);
        if (pos.length != ids.length) {
            throw new IllegalArgumentException(pos.length + " position ids for " + ids.length + " tokens");
        }
        long t0 = System.nanoTime();
        try (NDManager step = manager.newSubManager()) {
            NDArray inputs;
            if (imageLength == 0) {
                inputs = decoder.embed(ids, step);
            } else {
                NDArray image = imageEmbeddings.duplicate();
                image.attach(step);
                inputs = Functional.concat(
                        0,
                        decoder.embed(Arrays.copyOfRange(ids, 0, imageStart), step),
                        image,
                        decoder.embed(Arrays.copyOfRange(ids, imageStart + imageLength, ids.length), step));
            }
            TokenLayout initial = TokenLayout.initial(ids.length, imageLength == 0 ? 0 : imageStart, imageLength);
            if (hooks.start() != null) {
                start(
                        hooks.start(),
                        ids,
                        imageLength == 0 ? null : inputs.get(imageStart + ":" + (imageStart + imageLength)),
                        origins,
                        givenLayout,
                        initial);
            }
            LlamaDecoder.Prefill p = multimodal == null
                    ? decoder.prefill(inputs, pos, initial, hooks, cache, step)
                    : decoder.prefill(inputs, multimodal, initial, hooks, cache, step);
            float[] logits = decoder.logits(p.lastHidden());
            prefilled = true;
            layout = p.layout();
            tokensPerLayer = p.tokensPerLayer();
            return new PrefillResult(logits, p.layout(), p.tokensPerLayer(), System.nanoTime() - t0, p.hookNanos());
        }
    }

    /** Computes only the parts of the request's start the observer asked for, and delivers them. */
    private void start(
            StartObserver observer,
            int[] ids,
            NDArray image,
            TokenOrigins origins,
            ImageLayout givenLayout,
            TokenLayout initial) {
        Set<StartSignal> wanted = observer.startSignals();
        if (wanted.isEmpty()) {
            return;
        }
        TextConfig t = text;
        observer.onStart(new RequestStart(
                wanted.contains(StartSignal.PROMPT_IDS) ? ids.clone() : null,
                wanted.contains(StartSignal.IMAGE_EMBEDDINGS) ? image : null,
                wanted.contains(StartSignal.IMAGE_LAYOUT)
                        ? image != null && givenLayout != null
                                ? givenLayout
                                : imageLayout(image, origins, initial, grid)
                        : null,
                wanted.contains(StartSignal.MODEL_DIMENSIONS)
                        ? new ModelDimensions(
                                t.hiddenSize(),
                                t.numLayers(),
                                t.numHeads(),
                                t.numKeyValueHeads(),
                                t.headDim(),
                                t.intermediateSize(),
                                t.vocabSize())
                        : null,
                initial));
    }

    /** The layout an observer gets: from the origins given, else LLaVA-1.5's single view; null if unknown. */
    private static ImageLayout imageLayout(NDArray image, TokenOrigins origins, TokenLayout initial, int grid) {
        if (image == null) {
            return null;
        }
        if (origins != null) {
            int views = 1;
            for (TokenOrigin o : origins.all()) {
                views = Math.max(views, o.view() + 1);
            }
            return ImageLayout.of(origins, views, grid);
        }
        return initial.imageLength() <= grid * grid ? ImageLayout.singleView(grid, grid, initial.imageLength()) : null;
    }

    /** Feeds one token after the prefill; returns the next-token logits. */
    public float[] decode(int token) {
        if (!prefilled) {
            throw new IllegalStateException("decode before prefill");
        }
        int max = text.maxPositionEmbeddings();
        for (int i = 0; i < tokensPerLayer.length; i++) {
            if (cache.nextPosition(i) >= max) {
                throw new IllegalStateException("generation reached the model's context of " + max + " positions");
            }
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray h = decoder.decode(decoder.embed(new int[] {token}, step), cache, step);
            return decoder.logits(h);
        }
    }

    /** The KV cache (per-layer lengths and size). */
    public KvCache cache() {
        return cache;
    }

    /** The token layout after the last pruning stage. */
    public TokenLayout layout() {
        return layout;
    }

    @Override
    public void close() {
        manager.close();
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
