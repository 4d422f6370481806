package org.transprune.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.transprune.bench.Benchmark;
import org.transprune.bench.Benchmarks;
import org.transprune.bench.OnError;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;
import org.transprune.cost.CostModel;
import org.transprune.cost.CostReport;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.synth.SynthBenchmark;
import org.transprune.text.ChatTemplate;

/**
 * Validates an experiment file and expands it into a {@link SweepPlan}, collecting every problem
 * (file, line, key) before reporting them together; nothing is run before the whole file is known
 * to be valid.
 *
 * <p>The format (see {@code experiments/README.md} for a commented example):
 * <pre>
 * extends: paths.yaml            # optional, see {@link ExperimentFiles}
 * name: table1                   # optional, defaults to the file name
 * model: {path: DIR | preset: NAME, device: auto, weights: auto, template: vicuna_v1,
 *         vision_tower: DIR, threads: N}
 * data_root: DIR                 # LLaVA's playground/data/eval, for benchmarks' default paths
 * benchmarks:                    # names, or mappings
 *   - gqa
 *   - {name: synth, root: DIR, limit: 100, label: synth-small,
 *      questions: FILE, images: DIR, annotations: PATH, on_error: skip}
 * strategies:
 *   - name: transprune
 *     label: TransPrune          # optional display name
 *     params: {window: 3}        # fixed values
 *     grid: {alpha: [0.4, 0.5]}  # cartesian product of these lists
 *     zip:                       # paired lists (a mapping, or a list of such groups)
 *       layers: [[5, 7, 10], [6, 8, 11]]
 *       ratios: [[0.875, 0.625, 0.125], [0.875, 0.625, 0.125]]
 * seeds: [0]                     # default [0]
 * max_new_tokens: 128            # default 128, as LLaVA's evaluation scripts
 * on_error: fail                 # default for the benchmarks: fail or skip
 * output: runs/table1            # relative to the experiment file; default runs/NAME beside it
 * </pre>
 */
public final class ExperimentParser {

    /** Whether the plan will be run or only printed. */
    public enum Mode {
        /** Every path must exist. */
        RUN,
        /** Missing data paths, and a missing checkpoint when a preset gives the shape, are warnings. */
        DRY_RUN
    }

    static final Set<String> TOP_LEVEL = Set.of(
            "name", "model", "data_root", "benchmarks", "strategies", "seeds", "max_new_tokens", "on_error", "output");
    static final Set<String> MODEL_KEYS =
            Set.of("path", "preset", "device", "weights", "template", "vision_tower", "threads");
    static final Set<String> BENCHMARK_KEYS =
            Set.of("name", "label", "root", "questions", "images", "annotations", "limit", "on_error", "generate");
    static final Set<String> GENERATE_KEYS = Set.of("seed", "images", "questions_per_image", "split", "blank");
    static final Set<String> STRATEGY_KEYS = Set.of("name", "label", "schedule", "params", "grid", "zip");
    /** KV-cache bytes are reported at fp16, as the paper does. */
    static final int KV_BYTES_PER_ELEMENT = 2;

    private final Mode mode;
    private final List<ExperimentProblem> problems = new ArrayList<>();
    private final List<ExperimentProblem> warnings = new ArrayList<>();
    private boolean dataRootReported;

    private ExperimentParser(Mode mode) {
        this.mode = mode;
    }

    /** Parses with the process environment. */
    public static SweepPlan parse(Path file, Mode mode) {
        return parse(file, mode, System::getenv);
    }

    /**
     * Reads, validates and expands {@code file}.
     *
     * @throws ExperimentException listing every problem found
     */
    public static SweepPlan parse(Path file, Mode mode, Function<String, String> environment) {
        ExperimentFiles files = new ExperimentFiles(environment);
        YamlValue.Mapping doc = files.load(file);
        ExperimentParser p = new ExperimentParser(mode);
        p.problems.addAll(files.problems());
        if (doc == null) {
            throw new ExperimentException(p.problems);
        }
        SweepPlan plan = p.plan(file.toAbsolutePath().normalize(), doc);
        if (!p.problems.isEmpty()) {
            throw new ExperimentException(p.problems);
        }
        return plan;
    }

    private SweepPlan plan(Path file, YamlValue.Mapping doc) {
        for (String key : doc.entries().keySet()) {
            if (!TOP_LEVEL.contains(key)) {
                problem(doc.get(key).file(), doc.keyLine(key), key, "unknown key (known: " + sorted(TOP_LEVEL) + ")");
            }
        }
        String fileStem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = string(doc, "name", "name", fileStem);
        ModelSpec model = model(doc);
        OnError onError = onError(doc.get("on_error"), "on_error", OnError.FAIL);
        Path dataRoot =
                doc.get("data_root") == null ? null : path(doc.get("data_root"), "data_root", mode == Mode.DRY_RUN);
        // An unusable data_root is reported once, not again by every benchmark that needs it.
        dataRootReported = doc.get("data_root") != null && dataRoot == null;
        List<BenchmarkSpec> benchmarks = benchmarks(doc, dataRoot, onError);
        List<Long> seeds = seeds(doc.get("seeds"));
        Integer maxNew = integer(doc.get("max_new_tokens"), "max_new_tokens", 128);
        if (maxNew != null && maxNew < 1) {
            problem(doc.get("max_new_tokens"), "max_new_tokens", "must be at least 1, got " + maxNew);
        }
        List<RunConfiguration> configs = strategies(doc, model, seeds, maxNew == null ? 128 : maxNew);
        Path output = doc.get("output") == null
                ? file.getParent().resolve("runs").resolve(name)
                : path(doc.get("output"), "output", false);
        return new SweepPlan(file, name, model, benchmarks, configs, output, warnings);
    }

    // ---- model

    private ModelSpec model(YamlValue.Mapping doc) {
        YamlValue v = doc.get("model");
        if (v == null) {
            problem(doc.file(), 0, "model", "missing: give model.path (a checkpoint directory) or model.preset");
            return new ModelSpec(null, null, "auto", WeightPolicy.AUTO, "vicuna_v1", null, null, null, 0);
        }
        if (!(v instanceof YamlValue.Mapping m)) {
            problem(v, "model", "must be a mapping (path:, preset:, device:, ...), got " + v.kind());
            return new ModelSpec(null, null, "auto", WeightPolicy.AUTO, "vicuna_v1", null, null, null, 0);
        }
        unknownKeys(m, "model", MODEL_KEYS);
        String device = string(m, "device", "model.device", "auto");
        if (device != null && !Set.of("cpu", "gpu", "cuda", "auto").contains(device.toLowerCase(Locale.ROOT))) {
            problem(m.get("device"), "model.device", "must be cpu, gpu or auto, got '" + device + "'");
        }
        WeightPolicy weights = WeightPolicy.AUTO;
        String w = string(m, "weights", "model.weights", "auto");
        try {
            weights = WeightPolicy.parse(w == null ? "auto" : w);
        } catch (IllegalArgumentException e) {
            problem(m.get("weights"), "model.weights", e.getMessage());
        }
        String template = string(m, "template", "model.template", "vicuna_v1");
        try {
            ChatTemplate.named(template == null ? "vicuna_v1" : template);
        } catch (IllegalArgumentException e) {
            problem(m.get("template"), "model.template", e.getMessage());
        }
        Integer threads = integer(m.get("threads"), "model.threads", null);
        if (threads != null && threads < 1) {
            problem(m.get("threads"), "model.threads", "must be at least 1, got " + threads);
        }
        String preset = string(m, "preset", "model.preset", null);
        LlavaConfig config = null;
        int imageTokens = 0;
        if (preset != null) {
            try {
                ModelPresets.Preset p = ModelPresets.get(preset);
                config = p.config();
                imageTokens = p.imageTokens();
            } catch (IllegalArgumentException e) {
                problem(m.get("preset"), "model.preset", e.getMessage());
            }
        }
        // Without weights a dry run can still price every configuration from the preset.
        boolean pathOptional = mode == Mode.DRY_RUN && config != null;
        Path visionTower =
                m.get("vision_tower") == null ? null : path(m.get("vision_tower"), "model.vision_tower", pathOptional);
        Path path = null;
        if (m.get("path") != null) {
            path = path(m.get("path"), "model.path", pathOptional);
            if (path != null) {
                LlavaConfig fromCheckpoint = checkpointConfig(m.get("path"), path, visionTower, pathOptional);
                if (fromCheckpoint != null) {
                    config = fromCheckpoint;
                    imageTokens = fromCheckpoint.imageTokens();
                } else {
                    path = null;
                }
            }
        } else if (preset == null) {
            problem(m.file(), m.line(), "model", "give model.path (a checkpoint directory) or model.preset");
        } else if (mode == Mode.RUN) {
            problem(
                    m.get("preset"),
                    "model.path",
                    "missing: a preset gives only the model's shape (enough for"
                            + " --dry-run); running needs the checkpoint directory");
        }
        return new ModelSpec(
                path,
                preset,
                device == null ? "auto" : device,
                weights,
                template == null ? "vicuna_v1" : template,
                visionTower,
                threads,
                config,
                imageTokens);
    }

    private LlavaConfig checkpointConfig(YamlValue where, Path dir, Path visionTower, boolean asWarning) {
        try (Checkpoint c = Checkpoints.open(dir, visionTower)) {
            Checkpoints.validate(c);
            return c.config();
        } catch (Exception e) {
            report(asWarning, where.file(), where.line(), "model.path", e.getMessage());
            return null;
        }
    }

    // ---- benchmarks

    private List<BenchmarkSpec> benchmarks(YamlValue.Mapping doc, Path dataRoot, OnError defaultOnError) {
        List<BenchmarkSpec> out = new ArrayList<>();
        YamlValue v = doc.get("benchmarks");
        if (v == null) {
            problem(doc.file(), 0, "benchmarks", "missing: list the benchmarks to run");
            return out;
        }
        if (!(v instanceof YamlValue.Sequence seq) || seq.items().isEmpty()) {
            problem(v, "benchmarks", "must be a non-empty list of benchmark names or mappings, got " + v.kind());
            return out;
        }
        Set<String> labels = new LinkedHashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlValue item = seq.items().get(i);
            String key = "benchmarks[" + i + "]";
            YamlValue.Mapping m;
            if (item instanceof YamlValue.Scalar s && s.value() instanceof String name) {
                m = new YamlValue.Mapping(s.file(), s.line(), Map.of("name", s), Map.of("name", s.line()));
            } else if (item instanceof YamlValue.Mapping mm) {
                m = mm;
            } else {
                problem(item, key, "must be a benchmark name or a mapping, got " + item.kind());
                continue;
            }
            unknownKeys(m, key, BENCHMARK_KEYS);
            String name = string(m, "name", key + ".name", null);
            if (name == null) {
                problem(m, key + ".name", "missing");
                continue;
            }
            Benchmark b;
            try {
                b = name.equalsIgnoreCase(SynthBenchmark.NAME) ? new SynthBenchmark() : Benchmarks.get(name);
            } catch (IllegalArgumentException e) {
                problem(m.get("name"), key + ".name", e.getMessage() + ", " + SynthBenchmark.NAME);
                continue;
            }
            String label = string(m, "label", key + ".label", b.name());
            if (label != null && !labels.add(label)) {
                problem(m, key, "benchmark '" + label + "' is listed twice; give one of them a label:");
            }
            Path root = m.get("root") != null ? path(m.get("root"), key + ".root", mode == Mode.DRY_RUN) : dataRoot;
            if (m.get("generate") != null && !generateSynth(m, key, b, root)) {
                out.add(new BenchmarkSpec(
                        label,
                        b,
                        root == null ? null : root.resolve(b.defaultQuestionFile()),
                        null,
                        null,
                        integer(m.get("limit"), key + ".limit", null),
                        defaultOnError));
                continue;
            }
            Path questions = dataPath(m, "questions", key, root, b.defaultQuestionFile(), true);
            Path images = dataPath(m, "images", key, root, b.defaultImageFolder(), b.defaultImageFolder() != null);
            Path annotations = m.get("annotations") != null
                    ? dataPath(m, "annotations", key, root, null, true)
                    : defaultIfPresent(root, b.defaultAnnotations());
            Integer limit = integer(m.get("limit"), key + ".limit", null);
            if (limit != null && limit < 1) {
                problem(m.get("limit"), key + ".limit", "must be at least 1, got " + limit);
            }
            OnError onError = onError(m.get("on_error"), key + ".on_error", defaultOnError);
            out.add(new BenchmarkSpec(label, b, questions, images, annotations, limit, onError));
        }
        return out;
    }

    /**
     * {@code generate: {seed, images, questions_per_image, split, blank}} on the synthetic benchmark
     * writes its split into {@code root} when it is not there yet, so a fresh clone can run the
     * default experiment. Returns false when the data is not (yet) on disk: a dry run only says
     * it will be generated.
     */
    private boolean generateSynth(YamlValue.Mapping m, String key, Benchmark b, Path root) {
        String where = key + ".generate";
        if (!(b instanceof SynthBenchmark)) {
            problem(m.get("generate"), where, "only the synth benchmark can be generated");
            return false;
        }
        if (!(m.get("generate") instanceof YamlValue.Mapping g)) {
            problem(m.get("generate"), where, "must be a mapping {seed, images, questions_per_image, split, blank}");
            return false;
        }
        unknownKeys(g, where, GENERATE_KEYS);
        if (root == null) {
            problem(m, key + ".root", "generate: needs a root: directory to write the split into");
            return false;
        }
        Integer seed = integer(g.get("seed"), where + ".seed", 1);
        Integer images = integer(g.get("images"), where + ".images", 500);
        Integer perImage = integer(g.get("questions_per_image"), where + ".questions_per_image", 2);
        String splitName = string(g, "split", where + ".split", "test");
        boolean blank = false;
        if (g.get("blank") != null) {
            if (g.get("blank").plain() instanceof Boolean bl) {
                blank = bl;
            } else {
                problem(
                        g.get("blank"),
                        where + ".blank",
                        "must be true or false, got " + g.get("blank").kind());
                return false;
            }
        }
        if (Files.exists(root.resolve(b.defaultQuestionFile()))) {
            return true;
        }
        if (mode == Mode.DRY_RUN || seed == null || images == null || perImage == null || splitName == null) {
            return false;
        }
        try {
            org.transprune.synth.SynthDataset.write(
                    root,
                    seed,
                    images,
                    perImage,
                    org.transprune.synth.Split.ofLabel(splitName),
                    org.transprune.synth.Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX,
                    blank);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            problem(
                    m.get("generate"),
                    where,
                    "could not generate the synthetic split in " + root + ": " + e.getMessage());
            return false;
        }
    }

    private Path dataPath(
            YamlValue.Mapping m, String field, String key, Path root, String defaultRelative, boolean required) {
        boolean asWarning = mode == Mode.DRY_RUN;
        YamlValue v = m.get(field);
        Path p;
        if (v != null) {
            p = path(v, key + "." + field, asWarning);
        } else if (!required || defaultRelative == null) {
            return null;
        } else if (root == null) {
            if (dataRootReported) {
                return null;
            }
            report(
                    asWarning,
                    m.file(),
                    m.line(),
                    key + "." + field,
                    "not given, and there is no data_root (or root:)" + " to find the default " + defaultRelative
                            + " in");
            return null;
        } else {
            p = root.resolve(defaultRelative);
        }
        if (p != null && !Files.exists(p)) {
            report(
                    asWarning,
                    v == null ? m.file() : v.file(),
                    v == null ? m.line() : v.line(),
                    key + "." + field,
                    "not found: " + p);
        }
        return p;
    }

    private static Path defaultIfPresent(Path root, String relative) {
        if (root == null || relative == null) {
            return null;
        }
        Path p = root.resolve(relative);
        return Files.exists(p) ? p : null;
    }

    // ---- strategies

    /** A value written for a parameter, and the node it came from. */
    private record Written(Object value, YamlValue node) {}

    /** The model's identity, computed once per parse (it reads the checkpoint to fingerprint it). */
    private Map<String, Object> modelIdentity;

    private Map<String, Object> identity(ModelSpec model) {
        if (modelIdentity == null) {
            modelIdentity = model.identity();
        }
        return modelIdentity;
    }

    private List<RunConfiguration> strategies(
            YamlValue.Mapping doc, ModelSpec model, List<Long> seeds, int maxNewTokens) {
        List<RunConfiguration> out = new ArrayList<>();
        YamlValue v = doc.get("strategies");
        if (v == null) {
            problem(doc.file(), 0, "strategies", "missing: list the strategies to run (e.g. - name: none)");
            return out;
        }
        if (!(v instanceof YamlValue.Sequence seq) || seq.items().isEmpty()) {
            problem(v, "strategies", "must be a non-empty list, got " + v.kind());
            return out;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String key = "strategies[" + i + "]";
            for (RunConfiguration c : strategy(seq.items().get(i), key, model, seeds, maxNewTokens)) {
                String first = seen.putIfAbsent(c.hash(), key);
                if (first == null) {
                    out.add(c);
                } else {
                    warnings.add(new ExperimentProblem(
                            seq.items().get(i).file(),
                            seq.items().get(i).line(),
                            key,
                            "configuration " + c.describe() + " is already listed by " + first + "; run once"));
                }
            }
        }
        List<RunConfiguration> ordered =
                new ArrayList<>(out.stream().filter(RunConfiguration::unpruned).toList());
        out.stream().filter(c -> !c.unpruned()).forEach(ordered::add);
        return ordered;
    }

    private List<RunConfiguration> strategy(
            YamlValue item, String key, ModelSpec model, List<Long> seeds, int maxNewTokens) {
        YamlValue.Mapping m;
        if (item instanceof YamlValue.Scalar s && s.value() instanceof String) {
            m = new YamlValue.Mapping(s.file(), s.line(), Map.of("name", s), Map.of("name", s.line()));
        } else if (item instanceof YamlValue.Mapping mm) {
            m = mm;
        } else {
            problem(
                    item,
                    key,
                    "must be a strategy name or a mapping (name:, params:, grid:, zip:), got " + item.kind());
            return List.of();
        }
        int before = problems.size();
        unknownKeys(m, key, STRATEGY_KEYS);
        String name = string(m, "name", key + ".name", null);
        if (name == null) {
            problem(m, key + ".name", "missing");
            return List.of();
        }
        StrategyProvider provider;
        try {
            provider = Strategies.provider(name);
        } catch (IllegalArgumentException e) {
            List<String> names = Strategies.names();
            problem(
                    m.get("name"),
                    key + ".name",
                    "unknown strategy '" + name + "' ("
                            + (names.isEmpty()
                                    ? "no strategies are registered on the class path"
                                    : "registered: " + String.join(", ", names))
                            + ")");
            return List.of();
        }
        String label = string(m, "label", key + ".label", name);
        Map<String, ParameterSpec> specs = new LinkedHashMap<>();
        provider.parameters().forEach(s -> specs.put(s.name(), s));

        Map<String, Written> fixed = new LinkedHashMap<>();
        List<List<Map<String, Written>>> axes = new ArrayList<>();
        Map<String, String> placedAt = new LinkedHashMap<>();

        YamlValue params = m.get("params");
        if (params != null) {
            if (params instanceof YamlValue.Mapping pm) {
                for (Map.Entry<String, YamlValue> e : pm.entries().entrySet()) {
                    String pk = key + ".params." + e.getKey();
                    if (checkParameter(name, specs, pm, e.getKey(), e.getValue(), pk, placedAt)) {
                        fixed.put(e.getKey(), new Written(e.getValue().plain(), e.getValue()));
                    }
                }
            } else {
                problem(params, key + ".params", "must be a mapping of parameter: value, got " + params.kind());
            }
        }
        YamlValue grid = m.get("grid");
        if (grid != null) {
            if (grid instanceof YamlValue.Mapping gm) {
                for (Map.Entry<String, YamlValue> e : gm.entries().entrySet()) {
                    String gk = key + ".grid." + e.getKey();
                    if (!(e.getValue() instanceof YamlValue.Sequence values)
                            || values.items().isEmpty()) {
                        problem(
                                e.getValue(),
                                gk,
                                "a grid axis must be a non-empty list of values, got "
                                        + e.getValue().kind());
                        continue;
                    }
                    if (!specs.containsKey(e.getKey())) {
                        problem(
                                gm.get(e.getKey()).file(),
                                gm.keyLine(e.getKey()),
                                gk,
                                unknownParameter(name, e.getKey(), specs));
                        continue;
                    }
                    List<Map<String, Written>> axis = new ArrayList<>();
                    boolean ok = placedAt.putIfAbsent(e.getKey(), gk) == null || duplicate(e.getValue(), gk, placedAt);
                    for (int j = 0; j < values.items().size(); j++) {
                        YamlValue val = values.items().get(j);
                        ok &= checkValue(name, specs, gm, e.getKey(), val, gk + "[" + j + "]");
                        axis.add(Map.of(e.getKey(), new Written(val.plain(), val)));
                    }
                    if (ok) {
                        axes.add(axis);
                    }
                }
            } else {
                problem(grid, key + ".grid", "must be a mapping of parameter: [values], got " + grid.kind());
            }
        }
        YamlValue zip = m.get("zip");
        if (zip != null) {
            List<YamlValue> groups = zip instanceof YamlValue.Sequence zs ? zs.items() : List.of(zip);
            for (int g = 0; g < groups.size(); g++) {
                String zk = key + ".zip" + (zip instanceof YamlValue.Sequence ? "[" + g + "]" : "");
                if (!(groups.get(g) instanceof YamlValue.Mapping zm)) {
                    problem(
                            groups.get(g),
                            zk,
                            "must be a mapping of parameter: [values] (lists of equal length)," + " got "
                                    + groups.get(g).kind());
                    continue;
                }
                List<Map<String, Written>> rows = zipRows(name, specs, zm, zk, placedAt);
                if (rows != null) {
                    axes.add(rows);
                }
            }
        }
        YamlValue named = m.get("schedule");
        if (named != null) {
            // A named schedule fills in the layers/ratios/window the strategy declares and the file
            // does not set itself (explicit values win).
            if (named.plain() instanceof String preset) {
                try {
                    Map<String, Object> values = SchedulePreset.of(preset).parametersFor(provider);
                    if (values.isEmpty()) {
                        problem(
                                named,
                                key + ".schedule",
                                "strategy '" + name
                                        + "' has none of the parameters a schedule sets (layers, ratios, window)");
                    }
                    values.forEach((k, v) -> {
                        if (!placedAt.containsKey(k)) {
                            fixed.put(k, new Written(v, named));
                        }
                    });
                } catch (IllegalArgumentException e) {
                    problem(named, key + ".schedule", e.getMessage());
                }
            } else {
                problem(named, key + ".schedule", "must be a schedule name, got " + named.kind());
            }
        }
        if (problems.size() > before) {
            return List.of();
        }
        List<RunConfiguration> out = new ArrayList<>();
        for (Map<String, Written> combo : product(axes)) {
            Map<String, Written> written = new LinkedHashMap<>(fixed);
            written.putAll(combo);
            Map<String, Object> raw = new LinkedHashMap<>();
            written.forEach((k, w) -> raw.put(k, w.value()));
            String where = written.isEmpty() ? "" : " with " + raw;
            StrategyParameters bound;
            PruningStrategy strategy;
            try {
                bound = StrategyParameters.bind(name, provider.parameters(), raw);
                strategy = provider.create(bound);
            } catch (IllegalArgumentException e) {
                YamlValue at = blame(e.getMessage(), written, m);
                problem(at, key, e.getMessage() + where);
                continue;
            }
            CostReport cost = null;
            if (model.config() != null) {
                int layers = model.config().text().numLayers();
                try {
                    PruneSchedule schedule = strategy.schedule(model.imageTokens(), layers);
                    schedule.requireWithinDepth(layers);
                    cost = CostModel.of(model.config().text()).report(schedule, KV_BYTES_PER_ELEMENT);
                } catch (IllegalArgumentException e) {
                    YamlValue at = blame(e.getMessage(), written, m);
                    problem(
                            at,
                            key,
                            "invalid schedule for the model (" + layers + " layers, " + model.imageTokens()
                                    + " image tokens): " + e.getMessage() + where);
                    continue;
                }
            }
            for (long seed : seeds) {
                out.add(new RunConfiguration(name, label, bound.asMap(), seed, maxNewTokens, identity(model), cost));
            }
        }
        return out;
    }

    private boolean duplicate(YamlValue at, String key, Map<String, String> placedAt) {
        String param = key.substring(key.lastIndexOf('.') + 1);
        problem(
                at,
                key,
                "parameter '" + param + "' is already set at " + placedAt.get(param)
                        + "; set each parameter in one of params:, grid: or zip:");
        return false;
    }

    private List<Map<String, Written>> zipRows(
            String strategy,
            Map<String, ParameterSpec> specs,
            YamlValue.Mapping zm,
            String zk,
            Map<String, String> placedAt) {
        int length = -1;
        boolean ok = true;
        List<Map<String, Written>> rows = new ArrayList<>();
        for (Map.Entry<String, YamlValue> e : zm.entries().entrySet()) {
            String pk = zk + "." + e.getKey();
            if (!(e.getValue() instanceof YamlValue.Sequence values)
                    || values.items().isEmpty()) {
                problem(
                        e.getValue(),
                        pk,
                        "must be a non-empty list of values, got "
                                + e.getValue().kind());
                ok = false;
                continue;
            }
            if (!specs.containsKey(e.getKey())) {
                problem(
                        zm.get(e.getKey()).file(),
                        zm.keyLine(e.getKey()),
                        pk,
                        unknownParameter(strategy, e.getKey(), specs));
                ok = false;
                continue;
            }
            ok &= placedAt.putIfAbsent(e.getKey(), pk) == null || duplicate(e.getValue(), pk, placedAt);
            if (length >= 0 && values.items().size() != length) {
                problem(
                        values,
                        pk,
                        "has " + values.items().size() + " values but the other zip lists have " + length
                                + "; zipped lists pair their i-th values, so they need equal lengths");
                ok = false;
                continue;
            }
            length = values.items().size();
            for (int j = 0; j < values.items().size(); j++) {
                YamlValue val = values.items().get(j);
                ok &= checkValue(strategy, specs, zm, e.getKey(), val, pk + "[" + j + "]");
                if (rows.size() <= j) {
                    rows.add(new LinkedHashMap<>());
                }
                rows.get(j).put(e.getKey(), new Written(val.plain(), val));
            }
        }
        return ok ? rows : null;
    }

    /** Checks that {@code param} exists and {@code value} has its type; records where it is set. */
    private boolean checkParameter(
            String strategy,
            Map<String, ParameterSpec> specs,
            YamlValue.Mapping in,
            String param,
            YamlValue value,
            String key,
            Map<String, String> placedAt) {
        if (!specs.containsKey(param)) {
            problem(in.get(param).file(), in.keyLine(param), key, unknownParameter(strategy, param, specs));
            return false;
        }
        if (placedAt.putIfAbsent(param, key) != null) {
            return duplicate(value, key, placedAt);
        }
        return checkValue(strategy, specs, in, param, value, key);
    }

    private boolean checkValue(
            String strategy,
            Map<String, ParameterSpec> specs,
            YamlValue.Mapping in,
            String param,
            YamlValue value,
            String key) {
        ParameterSpec spec = specs.get(param);
        if (spec == null) {
            problem(in.get(param).file(), in.keyLine(param), key, unknownParameter(strategy, param, specs));
            return false;
        }
        Map<String, Object> one = new LinkedHashMap<>();
        one.put(param, value.plain());
        try {
            // Binding against this one spec type-checks the value without requiring the others.
            StrategyParameters.bind(strategy, List.of(spec), one);
            return true;
        } catch (IllegalArgumentException e) {
            problem(value, key, e.getMessage());
            return false;
        }
    }

    private static String unknownParameter(String strategy, String param, Map<String, ParameterSpec> specs) {
        return "strategy '" + strategy + "' has no parameter '" + param + "' (parameters: "
                + (specs.isEmpty() ? "none" : String.join(", ", specs.keySet())) + ")";
    }

    /** The node of the first parameter the message names, else the strategy entry. */
    private static YamlValue blame(String message, Map<String, Written> written, YamlValue fallback) {
        for (Map.Entry<String, Written> e : written.entrySet()) {
            if (message.contains("'" + e.getKey() + "'")) {
                return e.getValue().node();
            }
        }
        for (Map.Entry<String, Written> e : written.entrySet()) {
            if (message.contains(e.getKey())) {
                return e.getValue().node();
            }
        }
        return fallback;
    }

    private static List<Map<String, Written>> product(List<List<Map<String, Written>>> axes) {
        List<Map<String, Written>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (List<Map<String, Written>> axis : axes) {
            List<Map<String, Written>> next = new ArrayList<>();
            for (Map<String, Written> partial : out) {
                for (Map<String, Written> value : axis) {
                    Map<String, Written> m = new LinkedHashMap<>(partial);
                    m.putAll(value);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    // ---- scalars

    private List<Long> seeds(YamlValue v) {
        if (v == null) {
            return List.of(0L);
        }
        List<YamlValue> items = v instanceof YamlValue.Sequence s ? s.items() : List.of(v);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlValue item = items.get(i);
            if (item instanceof YamlValue.Scalar sc && (sc.value() instanceof Integer || sc.value() instanceof Long)) {
                long seed = ((Number) sc.value()).longValue();
                if (!out.contains(seed)) {
                    out.add(seed);
                }
            } else {
                problem(
                        item,
                        "seeds" + (v instanceof YamlValue.Sequence ? "[" + i + "]" : ""),
                        "must be an integer, got " + describe(item));
            }
        }
        if (out.isEmpty() && items.isEmpty()) {
            problem(v, "seeds", "must list at least one seed");
        }
        return out;
    }

    private OnError onError(YamlValue v, String key, OnError dflt) {
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            try {
                return OnError.parse(str);
            } catch (IllegalArgumentException e) {
                problem(v, key, "must be skip or fail, got '" + str + "'");
                return dflt;
            }
        }
        problem(v, key, "must be skip or fail, got " + describe(v));
        return dflt;
    }

    private String string(YamlValue.Mapping m, String field, String key, String dflt) {
        YamlValue v = m.get(field);
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return str;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof ExperimentFiles.UnsetVariable u) {
            problem(v, key, "environment variable " + u.variable() + " is not set (used in '" + u.text() + "')");
            return null;
        }
        problem(v, key, "must be a string, got " + describe(v));
        return null;
    }

    private Integer integer(YamlValue v, String key, Integer dflt) {
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof Integer i) {
            return i;
        }
        problem(v, key, "must be an integer, got " + describe(v));
        return null;
    }

    /** A path relative to the file that wrote it; unset variables and non-strings are reported. */
    private Path path(YamlValue v, String key, boolean asWarning) {
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return v.file().getParent().resolve(str).normalize();
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof ExperimentFiles.UnsetVariable u) {
            report(
                    asWarning,
                    v.file(),
                    v.line(),
                    key,
                    "environment variable " + u.variable() + " is not set (used in '" + u.text()
                            + "'); see experiments/README.md");
            return null;
        }
        problem(v, key, "must be a path, got " + describe(v));
        return null;
    }

    private void unknownKeys(YamlValue.Mapping m, String where, Set<String> known) {
        for (String k : m.entries().keySet()) {
            if (!known.contains(k)) {
                problem(m.get(k).file(), m.keyLine(k), where + "." + k, "unknown key (known: " + sorted(known) + ")");
            }
        }
    }

    private static String describe(YamlValue v) {
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return "'" + str + "'";
        }
        if (v instanceof YamlValue.Scalar s) {
            return String.valueOf(s.value());
        }
        return v.kind();
    }

    private static String sorted(Set<String> keys) {
        return String.join(", ", keys.stream().sorted().toList());
    }

    private void problem(YamlValue at, String key, String message) {
        problem(at.file(), at.line(), key, message);
    }

    private void problem(Path file, int line, String key, String message) {
        problems.add(new ExperimentProblem(file, line, key, message));
    }

    private void report(boolean asWarning, Path file, int line, String key, String message) {
        (asWarning ? warnings : problems).add(new ExperimentProblem(file, line, key, message));
    }
}
