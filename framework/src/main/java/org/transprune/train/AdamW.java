package org.transprune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * AdamW (decoupled weight decay, PyTorch's update order and epsilon placement) with global-norm
 * gradient clipping, over a {@link TrainableLlava}'s trainable parameters. Written here because
 * DJL's optimizer clips only positive values and has no global-norm clipping (docs/djl-notes.md#pitfall-7).
 * Its moments are plain arrays, so they can be saved and restored bit-exactly.
 */
public final class AdamW implements AutoCloseable {
    private final TrainableLlava model;
    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final ToDoubleFunction<String> lrMultiplier;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    /** Updates applied so far per parameter (its bias-correction step count): stage A updates the tower only. */
    private final Map<String, Long> steps = new LinkedHashMap<>();

    /**
     * @param weightDecay applied to matrices only (parameters with two or more dimensions)
     * @param lrMultiplier per-parameter factor on the learning rate (1 for all, usually)
     */
    public AdamW(
            TrainableLlava model,
            double beta1,
            double beta2,
            double epsilon,
            double weightDecay,
            ToDoubleFunction<String> lrMultiplier) {
        this.model = model;
        this.manager = model.manager().newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.lrMultiplier = lrMultiplier;
        for (String name : model.trainableNames()) {
            Shape shape = model.parameter(name).getShape();
            first.put(name, manager.zeros(shape));
            second.put(name, manager.zeros(shape));
            steps.put(name, 0L);
        }
    }

    /** Updates applied so far per parameter. */
    public Map<String, Long> steps() {
        return new LinkedHashMap<>(steps);
    }

    /**
     * One update from the gradients the last backward left on the parameters, then zeroes them.
     * Skips the update (gradients still zeroed) when the gradient norm is not finite.
     *
     * @param names the parameters this step trained (the others have no gradient)
     * @param lr base learning rate of this step
     * @param maxNorm global gradient-norm bound; gradients are scaled by min(1, maxNorm / norm)
     * @param step manager for temporaries
     * @return the global gradient norm before clipping
     */
    public double update(List<String> names, double lr, double maxNorm, NDManager step) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        List<NDArray> squares = new ArrayList<>();
        for (String name : names) {
            // getGradient() makes a wrapper in the parameter's manager on every call.
            NDArray g = model.parameter(name).getGradient();
            g.attach(step);
            grads.put(name, g);
            squares.add(g.square().sum());
        }
        double norm = Math.sqrt(NDArrays.stack(new NDList(squares)).sum().getFloat());
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false); // in-place updates of leaves that require grad
        try {
            if (Double.isFinite(norm)) {
                double scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1.0;
                for (String name : names) {
                    long t = steps.merge(name, 1L, Long::sum);
                    double bc1 = 1 - Math.pow(beta1, t);
                    double bc2 = 1 - Math.pow(beta2, t);
                    NDArray p = model.parameter(name);
                    NDArray g = grads.get(name).mul((float) scale);
                    NDArray m = first.get(name);
                    NDArray v = second.get(name);
                    m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                    v.muli((float) beta2).addi(g.square().mul((float) (1 - beta2)));
                    double stepLr = lr * lrMultiplier.applyAsDouble(name);
                    // torch.optim.AdamW: p *= 1 - lr*wd; p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)
                    NDArray denom = owned(v.div((float) bc2), step).sqrt().add((float) epsilon);
                    NDArray update = owned(m.div((float) bc1), step).div(denom).mul((float) stepLr);
                    if (weightDecay > 0 && p.getShape().dimension() >= 2) {
                        p.muli((float) (1 - stepLr * weightDecay));
                    }
                    p.subi(update);
                }
            }
            for (String name : names) {
                JniUtils.zeroGrad((PtNDArray) model.parameter(name));
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return norm;
    }

    private static NDArray owned(NDArray a, NDManager step) {
        a.attach(step);
        return a;
    }

    /** First moments by parameter name (copied to the heap). */
    public Map<String, float[]> firstMoments() {
        return copy(first);
    }

    /** Second moments by parameter name (copied to the heap). */
    public Map<String, float[]> secondMoments() {
        return copy(second);
    }

    /** Restores moments and step counts saved by {@link #firstMoments()}, {@link #secondMoments()}, {@link #steps()}. */
    public void restore(Map<String, float[]> m, Map<String, float[]> v, Map<String, Long> counts) {
        for (String name : first.keySet()) {
            set(first.get(name), m.get(name), name);
            set(second.get(name), v.get(name), name);
            Long t = counts.get(name);
            if (t == null) {
                throw new IllegalArgumentException("optimizer step count for '" + name + "' is missing");
            }
            steps.put(name, t);
        }
    }

    private static void set(NDArray target, float[] values, String name) {
        if (values == null || values.length != target.size()) {
            throw new IllegalArgumentException("optimizer state for '" + name + "' is missing or has the wrong size");
        }
        target.set(FloatBuffer.wrap(values));
    }

    private static Map<String, float[]> copy(Map<String, NDArray> arrays) {
        Map<String, float[]> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
