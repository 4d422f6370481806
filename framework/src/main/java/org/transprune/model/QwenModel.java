package org.transprune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.QwenConfig;
import org.transprune.image.QwenPixels;

/**
 * A loaded Qwen2.5-VL model: the window-attention vision tower with its patch merger, and the Qwen2 decoder
 * (the engine's {@link LlamaDecoder} with q/k/v biases and multimodal rotary positions), so every pruning
 * hook and strategy works on it unchanged. Thread-confined; close it to release native memory.
 */
public final class QwenModel implements AutoCloseable {
    private final QwenConfig config;
    private final NDManager manager;
    private final QwenVisionTower vision;
    private final LlamaDecoder decoder;

    private QwenModel(QwenConfig config, NDManager manager, QwenVisionTower vision, LlamaDecoder decoder) {
        this.config = config;
        this.manager = manager;
        this.vision = vision;
        this.decoder = decoder;
    }

    /**
     * Builds the model from tensors with canonical names.
     *
     * @param policy FP32 or HALF decoder weights ({@code AUTO} resolved by the caller); the tower is resident
     * @param residentLayers under HALF, the last decoder layers held widened for good
     * @param dtype FP32 or FP16 compute (FP16 needs the FP32 policy)
     */
    public static QwenModel load(
            QwenConfig config,
            TensorSource tensors,
            Device device,
            WeightPolicy policy,
            int residentLayers,
            ComputeDtype dtype) {
        NDManager m = NDManager.newBaseManager(device);
        try {
            WeightLoader loader = new WeightLoader(tensors, m, dtype);
            QwenVisionTower vision = new QwenVisionTower(config.vision(), loader);
            LlamaDecoder decoder = new LlamaDecoder(
                    config.text(),
                    new DecoderWeights(config.text(), loader, policy, residentLayers, true),
                    m,
                    config.mropeSections());
            return new QwenModel(config, m, vision, decoder);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public QwenConfig config() {
        return config;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The dtype the forward pass computes in. */
    public ComputeDtype dtype() {
        return decoder.weights().dtype();
    }

    /** The policy decoder weights are held under. */
    public WeightPolicy weightPolicy() {
        return decoder.weights().policy();
    }

    /** Most widened decoder layers ever alive at once (HALF policy accounting), for benchmarks. */
    public int peakWidenedLayers() {
        return decoder.weights().peakWidenedLayers();
    }

    /** Layer-sized sets of widening buffers allocated so far (HALF), for benchmarks. */
    public int allocatedWideningBufferSets() {
        return decoder.weights().allocatedBufferSets();
    }

    /** Seconds spent widening decoder layers on demand so far (HALF), for benchmarks. */
    public double widenSeconds() {
        return decoder.weights().widenNanos() / 1e9;
    }

    /** How many times a decoder layer was widened on demand so far (HALF), for benchmarks. */
    public long widenings() {
        return decoder.weights().widenings();
    }

    /**
     * The language-model tokens of one image, {@code [tokens, hidden]} in {@code manager}, merged 2x2 blocks
     * in row-major order.
     */
    public NDArray encodeImage(QwenPixels pixels, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            NDArray out = vision.forward(pixels, step);
            out.attach(manager);
            return out;
        }
    }

    /**
     * One image for a projector stage (docs/qwen2.5-vl.md#projector-stage): its language-model tokens and, when
     * {@code mergerInput}, the patch merger's input rows, both {@code [tokens, .]} in row-major token order in
     * {@code manager}.
     *
     * @param tokens the merged tokens, exactly as {@link #encodeImage} gives them
     * @param mergerInput per token its 2x2 patch features after the merger's RMSNorm, concatenated
     *     {@code [tokens, 4 * visionHidden]}, or null unless asked for
     */
    public record ImagePass(NDArray tokens, NDArray mergerInput) {}

    /** The image's tokens and, when asked, the merger's input (see {@link ImagePass}). */
    public ImagePass encodeImageForProjector(QwenPixels pixels, boolean mergerInput, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            QwenVisionTower.Pass p = vision.forward(pixels, mergerInput, step);
            p.tokens().attach(manager);
            if (p.mergerInput() != null) {
                p.mergerInput().attach(manager);
            }
            return new ImagePass(p.tokens(), p.mergerInput());
        }
    }

    /** The patch merger's MLP on merger-input rows {@code [n, 4 * visionHidden]}: language-model tokens. */
    public NDArray mergeRows(NDArray mergerInput) {
        return vision.mergerMlp(mergerInput);
    }

    /** The decoder's input embeddings of {@code ids}, {@code [ids, hidden]} in {@code into}. */
    public NDArray tokenEmbeddings(int[] ids, NDManager into) {
        return decoder.embed(ids, into);
    }

    /** Java floats uploaded into {@code into} in the compute dtype. */
    public NDArray upload(float[] values, Shape shape, NDManager into) {
        return Precision.to(Upload.floats(into, values, shape), dtype().dataType());
    }

    /** Image tokens computed earlier ({@link #encodeImage}, read back with {@link LlavaModel#floats}), uploaded again. */
    public NDArray imageEmbeddings(float[] values, Shape shape, NDManager into) {
        return Precision.to(Upload.floats(into, values, shape), dtype().dataType());
    }

    /** Starts a request with its own KV cache; prefill it with three position ids per token. */
    public InferenceSession newSession() {
        return new InferenceSession(config.text(), 0, decoder, manager);
    }

    /** The manager that owns the weights (for tests that account native arrays). */
    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
