package org.transprune.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.SafetensorsFile;
import org.transprune.checkpoint.SafetensorsWriter;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;

/**
 * Everything a training run needs to continue bit-exactly, in one safetensors file written
 * atomically (temporary file, then rename): every parameter in fp32 (the auxiliary head and the
 * never-run tensors included), both AdamW moments, and in the header metadata the step reached,
 * the training time so far, the optimizer's per-parameter step counts and the recipe. The data
 * stream needs no state of its own: a phase's sampler is re-created from the seed and skips the
 * samples the steps consumed.
 *
 * @param step training steps completed
 * @param elapsedSeconds training wall time so far (evaluation included)
 * @param recipeJson the recipe the run was started with
 */
public record TrainState(long step, double elapsedSeconds, String recipeJson) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARAM = "param:";
    private static final String FIRST = "adam_m:";
    private static final String SECOND = "adam_v:";

    /** Writes the state of {@code model} and {@code adam} at this point. */
    public void save(Path file, TrainableLlava model, AdamW adam) {
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("step", Long.toString(step));
        w.metadata("elapsed_seconds", Double.toString(elapsedSeconds));
        w.metadata("recipe", recipeJson);
        try {
            w.metadata("adam_steps", JSON.writeValueAsString(adam.steps()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : model.names()) {
            w.add(PARAM + name, model.values(name), TensorType.F32, model.shape(name));
        }
        Map<String, float[]> m = adam.firstMoments();
        Map<String, float[]> v = adam.secondMoments();
        for (String name : m.keySet()) {
            w.add(FIRST + name, m.get(name), TensorType.F32, model.shape(name));
            w.add(SECOND + name, v.get(name), TensorType.F32, model.shape(name));
        }
        w.write(file);
    }

    /**
     * Reads a state file into {@code model} and {@code adam} (which must have the recipe's shapes).
     *
     * @return the step, time and recipe stored with it
     * @throws IllegalArgumentException when the file does not match the model
     */
    public static TrainState load(Path file, TrainableLlava model, AdamW adam) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no training state to resume: " + file);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : model.names()) {
                if (!newHead(f, name)) {
                    model.setValues(name, floats(f, PARAM + name));
                }
            }
            Map<String, float[]> m = new LinkedHashMap<>();
            Map<String, float[]> v = new LinkedHashMap<>();
            Map<String, Long> counts = new LinkedHashMap<>(
                    JSON.readValue(f.metadata().get("adam_steps"), new TypeReference<Map<String, Long>>() {}));
            for (String name : model.trainableNames()) {
                if (newHead(f, name)) {
                    // A head added after this state was saved: initial weights, fresh moments.
                    int size = Math.toIntExact(model.parameter(name).size());
                    m.put(name, new float[size]);
                    v.put(name, new float[size]);
                    counts.put(name, 0L);
                    continue;
                }
                m.put(name, floats(f, FIRST + name));
                v.put(name, floats(f, SECOND + name));
            }
            adam.restore(m, v, counts);
            return new TrainState(
                    Long.parseLong(f.metadata().get("step")),
                    Double.parseDouble(f.metadata().get("elapsed_seconds")),
                    f.metadata().get("recipe"));
        }
    }

    /**
     * Loads only the parameters of a state file into {@code model} (optimiser state and progress are
     * left out), for a new run that starts from another run's weights; {@code file} may also be an
     * exported checkpoint directory (then the training-only heads start fresh).
     *
     * @return the step the state was saved at, -1 for a checkpoint directory
     */
    public static long loadParameters(Path file, TrainableLlava model) throws IOException {
        if (Files.isDirectory(file)) {
            // An exported checkpoint: LLaVA's tensors (widened from fp16/bf16 exactly); the
            // training-only heads, which checkpoints never hold, keep their initial values.
            try (Checkpoint c = Checkpoints.open(file);
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                if (!c.config().equals(model.config()) && !nextOfMicro(c.config(), model.config())) {
                    throw new IllegalArgumentException(file + " holds another architecture than the recipe's");
                }
                for (String name : model.names()) {
                    boolean newline = name.equals(CanonicalNames.IMAGE_NEWLINE)
                            && !CanonicalNames.shapes(c.config()).containsKey(name);
                    if (!name.startsWith(TrainingHeads.PREFIX) && !newline) {
                        model.setValues(
                                name,
                                c.tensors().fp32(name, m, model.shape(name)).toFloatArray());
                    }
                }
            }
            return -1;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no training state to start from: " + file);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : model.names()) {
                if (!newHead(f, name)) {
                    model.setValues(name, floats(f, PARAM + name));
                }
            }
            return Long.parseLong(f.metadata().get("step"));
        }
    }

    /**
     * Whether {@code next} is a LLaVA-NeXT reading of the single-view model {@code source}: the same
     * tensors apart from {@code image_newline} (which keeps its initial value), more positions (RoPE
     * has no learned positions). A micro LLaVA-NeXT starts from the micro LLaVA this way.
     */
    static boolean nextOfMicro(LlavaConfig source, LlavaConfig next) {
        if (source.isAnyRes() || !next.isAnyRes()) {
            return false;
        }
        TextConfig a = source.text();
        TextConfig b = next.text();
        TextConfig aLonger = new TextConfig(
                a.hiddenSize(),
                a.intermediateSize(),
                a.numLayers(),
                a.numHeads(),
                a.numKeyValueHeads(),
                a.vocabSize(),
                a.rmsNormEps(),
                a.ropeTheta(),
                b.maxPositionEmbeddings(),
                a.tieWordEmbeddings());
        return next.equals(new LlavaConfig(
                source.vision(),
                aLonger,
                source.projectorType(),
                source.visionFeatureLayer(),
                source.visionFeatureSelect(),
                source.imageTokenId(),
                next.anyRes()));
    }

    /** Hex SHA-256 of a file, to record which state a run started from. */
    public static String sha256(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            file = file.resolve("model.safetensors");
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recipe stored in a state file, without loading anything else. */
    public static String recipeOf(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return f.metadata().get("recipe");
        }
    }

    /**
     * Whether {@code name} is a training-only head the state file predates (states saved before the
     * noun probe existed): such a head keeps its initial values. Anything else missing is an error.
     */
    private static boolean newHead(SafetensorsFile f, String name) {
        return name.startsWith(TrainingHeads.PREFIX)
                && !name.equals(TrainingHeads.PATCH_WEIGHT)
                && !name.equals(TrainingHeads.PATCH_BIAS)
                && !f.contains(PARAM + name);
    }

    private static float[] floats(SafetensorsFile f, String name) {
        if (!f.contains(name)) {
            throw new IllegalArgumentException(f.file() + " has no tensor '" + name + "' (different model?)");
        }
        if (f.info(name).type() != TensorType.F32) {
            throw new IllegalArgumentException(f.file() + ": tensor '" + name + "' is not F32");
        }
        ByteBuffer b = f.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
