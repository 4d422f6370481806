package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.LlavaConfig;

/**
 * Every array the engine, the hooks and the strategies create lives on the model's device: (1) in the
 * sources of the engine (model, prune, pipeline) and of the strategies, arrays are created only by
 * {@link Upload} and the model's one base manager is made on the model's device; (2) walking a real
 * prefill and decode (fp32 and fp16, with observers and a prune), every array that reaches a hook and
 * every result belongs to a manager descending from the model's own, on the model's device.
 */
class DeviceCleanlinessTest {
    /** DJL calls that create arrays or managers (a manager's device is where its arrays go). */
    private static final Pattern CREATES = Pattern.compile("(?<!Upload)\\.(create|zeros|ones|arange|full|eye|linspace"
            + "|randomNormal|randomUniform|randomInteger|zerosLike|onesLike)\\(|newBaseManager\\(");

    /** The allowed sites: Upload (the helper), the models' root managers, and strategy factories (not arrays). */
    private static boolean allowed(Path file, String line) {
        String name = file.getFileName().toString();
        return name.equals("Upload.java")
                || ((name.equals("LlavaModel.java") || name.equals("QwenModel.java"))
                        && line.contains("NDManager.newBaseManager(device)"))
                || line.contains("p.create(StrategyParameters");
    }

    @Test
    void onlyTheHelperCreatesArraysInTheEngineAndTheStrategies() throws IOException {
        Path framework = Path.of("src/main/java/org/transprune");
        List<Path> roots = List.of(
                framework.resolve("model"),
                framework.resolve("prune"),
                framework.resolve("pipeline"),
                Path.of("../strategies/src/main/java"));
        List<String> offending = new ArrayList<>();
        int scanned = 0;
        for (Path root : roots) {
            assertTrue(Files.isDirectory(root), root.toString());
            List<Path> files;
            try (Stream<Path> s = Files.walk(root)) {
                files = s.filter(p -> p.toString().endsWith(".java")).toList();
            }
            for (Path f : files) {
                scanned++;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).trim();
                    if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
                        continue;
                    }
                    if (CREATES.matcher(line).find() && !allowed(f, line)) {
                        offending.add(f + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        assertTrue(scanned > 40, "scanned " + scanned + " files");
        assertTrue(offending.isEmpty(), "arrays created outside Upload:\n" + String.join("\n", offending));
    }

    @Test
    void everyArrayOfAPrunedForwardDescendsFromTheModelsManager() {
        LlavaConfig config = TinyModels.config();
        var weights = RandomLlavaWeights.generate(config, 5);
        for (ComputeDtype dtype : List.of(ComputeDtype.FP32, ComputeDtype.FP16)) {
            try (LlavaModel model = LlavaModel.load(
                    config,
                    weights,
                    Device.cpu(),
                    WeightPolicy.FP32,
                    config.text().numLayers(),
                    dtype)) {
                walk(model);
            }
        }
    }

    private static void walk(LlavaModel model) {
        NDManager root = model.manager();
        Device device = model.device();
        List<String> problems = new ArrayList<>();
        int[] checked = {0};
        java.util.function.BiConsumer<String, NDArray> check = (where, a) -> {
            checked[0]++;
            if (!a.getDevice().equals(device)) {
                problems.add(where + ": on " + a.getDevice());
            }
            NDManager m = a.getManager();
            while (m != null && m != root) {
                if (!m.getDevice().equals(device)) {
                    problems.add(where + ": manager on " + m.getDevice());
                }
                m = m.getParentManager() == m ? null : m.getParentManager();
            }
            if (m != root) {
                problems.add(where + ": manager " + a.getManager().getName() + " is not under the model's");
            }
        };
        int n = model.config().imageTokens();
        ForwardHooks hooks = new ForwardHooks(
                new TransitionObserver() {
                    @Override
                    public boolean observesTransitions(int layer) {
                        return true;
                    }

                    @Override
                    public void onTransition(
                            int layer, SubLayer sub, NDArray before, NDArray after, TokenLayout layout) {
                        check.accept("transition before, layer " + layer, before);
                        check.accept("transition after, layer " + layer, after);
                        NDArray product = before.mul(after).sum(new int[] {1});
                        check.accept("an observer's own result, layer " + layer, product);
                    }
                },
                new AttentionObserver() {
                    @Override
                    public int[] attentionQueries(int layer, TokenLayout layout) {
                        return new int[] {layout.length() - 1};
                    }

                    @Override
                    public void onAttention(int layer, int[] queries, NDArray probs, TokenLayout layout) {
                        check.accept("attention, layer " + layer, probs);
                    }
                },
                (afterLayer, layout) -> afterLayer == 2 ? new int[] {0, 2, 5, 7} : null,
                PositionPolicy.RENUMBER);
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 3), s.manager());
            check.accept("image embeddings", image);
            NDArray cached = model.imageEmbeddings(LlavaModel.floats(image), image.getShape(), s.manager());
            check.accept("cached image embeddings", cached);
            int[] ids = TinyModels.prompt(2, n, 4, 9);
            var result = s.prefill(ids, 2, cached, null, hooks);
            assertNotNull(result.logits());
            assertEquals(4, result.layout().imageLength());
            s.decode(5);
            s.decode(6);
            for (int i = 0; i < model.config().text().numLayers(); i++) {
                try (NDManager step = s.manager().newSubManager()) {
                    check.accept("cached keys, layer " + i, s.cache().keys(i, step));
                    check.accept("cached values, layer " + i, s.cache().values(i, step));
                }
            }
        }
        assertTrue(checked[0] > 30, "checked " + checked[0] + " arrays");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
