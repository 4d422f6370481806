package org.transprune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.LlavaConfig;

/**
 * A loaded LLaVA model: CLIP tower, projector and LLaMA decoder on one device, computing in fp32 or in
 * fp16 ({@link ComputeDtype}).
 * Thread-confined: one request at a time. Close it to release native memory.
 */
public final class LlavaModel implements AutoCloseable {
    private final LlavaConfig config;
    private final NDManager manager;
    private final VisionTower vision;
    private final Projector projector;
    private final LlamaDecoder decoder;
    private final long fp16Overflows;

    private LlavaModel(
            LlavaConfig config,
            NDManager manager,
            VisionTower vision,
            Projector projector,
            LlamaDecoder decoder,
            long fp16Overflows) {
        this.fp16Overflows = fp16Overflows;
        this.config = config;
        this.manager = manager;
        this.vision = vision;
        this.projector = projector;
        this.decoder = decoder;
    }

    /**
     * Builds the model from tensors with canonical names.
     *
     * @param policy how decoder weights are held; {@code AUTO} must be resolved by the caller
     */
    public static LlavaModel load(LlavaConfig config, TensorSource tensors, Device device, WeightPolicy policy) {
        return load(config, tensors, device, policy, 0);
    }

    /** Builds the model with decoder weights held as {@code plan} says. */
    public static LlavaModel load(
            LlavaConfig config, TensorSource tensors, Device device, WeightPlanning.WeightPlan plan) {
        return load(config, tensors, device, plan.policy(), plan.residentLayers());
    }

    /**
     * Builds the model, keeping the last {@code residentLayers} decoder layers widened for good under
     * HALF (the others are widened per use); under FP32 every layer is resident anyway.
     *
     * @param policy FP32 or HALF; {@code AUTO} must be resolved by the caller
     * @param residentLayers 0 to the number of decoder layers
     */
    public static LlavaModel load(
            LlavaConfig config, TensorSource tensors, Device device, WeightPolicy policy, int residentLayers) {
        return load(config, tensors, device, policy, residentLayers, ComputeDtype.FP32);
    }

    /**
     * Builds the model computing in {@code dtype}. Under FP16 every weight is held in fp16 (F16 tensors as
     * stored, F32 and BF16 rounded once; see {@link #fp16Overflows()}) and {@code policy} must be FP32.
     *
     * @param dtype FP32 or FP16; {@code AUTO} must be resolved by the caller
     */
    public static LlavaModel load(
            LlavaConfig config,
            TensorSource tensors,
            Device device,
            WeightPolicy policy,
            int residentLayers,
            ComputeDtype dtype) {
        NDManager m = NDManager.newBaseManager(device);
        try {
            WeightLoader loader = new WeightLoader(tensors, m, dtype);
            VisionTower vision = new VisionTower(config, loader);
            Projector projector = new Projector(config, loader);
            LlamaDecoder decoder = new LlamaDecoder(
                    config.text(), new DecoderWeights(config.text(), loader, policy, residentLayers), m);
            return new LlavaModel(config, m, vision, projector, decoder, loader.overflows());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public LlavaConfig config() {
        return config;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The dtype the forward pass computes in (FP32 or FP16). */
    public ComputeDtype dtype() {
        return decoder.weights().dtype();
    }

    /** Finite checkpoint values that became infinite when rounded to fp16 at load (0 under fp32). */
    public long fp16Overflows() {
        return fp16Overflows;
    }

    /** The policy decoder weights are held under. */
    public WeightPolicy weightPolicy() {
        return decoder.weights().policy();
    }

    /** Widened decoder layers alive right now (HALF policy accounting; 0 under FP32). */
    public int liveWidenedLayers() {
        return decoder.weights().liveWidenedLayers();
    }

    /** Most widened decoder layers ever alive at once (HALF policy accounting). */
    public int peakWidenedLayers() {
        return decoder.weights().peakWidenedLayers();
    }

    /** Decoder layers held in fp32 for good: all under FP32, the chosen last few under HALF. */
    public int residentLayers() {
        return decoder.weights().residentLayers();
    }

    /** Seconds spent widening layers on demand so far (HALF), for benchmarks. */
    public double widenSeconds() {
        return decoder.weights().widenNanos() / 1e9;
    }

    /** Layer-sized sets of widening buffers allocated so far (HALF); reuse keeps it at the peak of live layers. */
    public int allocatedWideningBufferSets() {
        return decoder.weights().allocatedBufferSets();
    }

    /** How many times a layer was widened on demand so far (HALF). */
    public long widenings() {
        return decoder.weights().widenings();
    }

    /**
     * Image embeddings for the decoder: tower features projected to the hidden size.
     *
     * @param pixels normalised CHW pixels of one preprocessed image
     * @param into the manager the result belongs to
     * @return {@code [imageTokens, hidden]}
     */
    public NDArray encodeImage(float[] pixels, NDManager into) {
        NDManager step = manager.newSubManager();
        try {
            NDArray out = projector.forward(vision.forward(pixels, step));
            out.attach(into);
            return out;
        } finally {
            step.close();
        }
    }

    /**
     * One image through the tower for a projector stage: the patch features, the CLS feature and,
     * when asked, the last block's CLS attention and keys (docs/method.md#projector-stage).
     *
     * @param into the manager the results belong to
     */
    public TowerPass towerPass(float[] pixels, boolean clsAttention, boolean keys, NDManager into) {
        NDManager step = manager.newSubManager();
        try {
            TowerPass p = vision.pass(pixels, step, clsAttention, keys);
            for (NDArray a : new NDArray[] {p.features(), p.clsFeature(), p.clsAttention(), p.keys()}) {
                if (a != null) {
                    a.attach(into);
                }
            }
            return p;
        } finally {
            step.close();
        }
    }

    /** The projector applied to tower features {@code [n, visionHidden]}: {@code [n, hidden]} in their manager. */
    public NDArray project(NDArray features) {
        return projector.forward(features);
    }

    /** The decoder's input embeddings of {@code ids}, {@code [ids, hidden]} in {@code into}. */
    public NDArray tokenEmbeddings(int[] ids, NDManager into) {
        return decoder.embed(ids, into);
    }

    /** Uploads Java floats into {@code into} in the compute dtype (e.g. tower outputs cached across requests). */
    public NDArray upload(float[] values, Shape shape, NDManager into) {
        return Precision.to(Upload.floats(into, values, shape), dtype().dataType());
    }

    /**
     * Image embeddings from values {@link #encodeImage} produced earlier (e.g. cached across
     * requests, read back with {@link #floats}), uploaded into {@code into} in the compute dtype.
     */
    public NDArray imageEmbeddings(float[] values, Shape shape, NDManager into) {
        return Precision.to(Upload.floats(into, values, shape), dtype().dataType());
    }

    /** The values of {@code x} as Java floats (fp16 arrays are widened exactly first). */
    public static float[] floats(NDArray x) {
        return Precision.fp32(x).toFloatArray();
    }

    /** Starts a request with its own KV cache and native memory; close it when done. */
    public InferenceSession newSession() {
        return new InferenceSession(this, decoder, manager);
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
