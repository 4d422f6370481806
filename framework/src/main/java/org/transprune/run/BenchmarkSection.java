package org.transprune.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.transprune.bench.Benchmark;
import org.transprune.bench.Benchmarks;
import org.transprune.bench.OnError;

/**
 * The {@code data_root:} and {@code benchmarks:} sections: which benchmark, where its files are
 * (checked to exist, except those a preparation step will write), how many questions.
 */
final class BenchmarkSection {
    static final Set<String> KEYS =
            Set.of("name", "label", "root", "questions", "images", "annotations", "limit", "on_error", "generate");

    private final YamlChecks checks;
    /** The benchmarks' data to generate before the run, in file order. */
    private final List<SynthGeneration> generations = new ArrayList<>();
    /** An unusable data_root is reported once, not again by every benchmark that needs it. */
    private boolean dataRootReported;

    BenchmarkSection(YamlChecks checks) {
        this.checks = checks;
    }

    List<SynthGeneration> generations() {
        return List.copyOf(generations);
    }

    List<BenchmarkSpec> read(YamlValue.Mapping doc, OnError defaultOnError) {
        Path dataRoot =
                doc.get("data_root") == null ? null : checks.path(doc.get("data_root"), "data_root", checks.dryRun());
        dataRootReported = doc.get("data_root") != null && dataRoot == null;
        List<BenchmarkSpec> out = new ArrayList<>();
        YamlValue v = doc.get("benchmarks");
        if (v == null) {
            checks.problem(doc.file(), 0, "benchmarks", "missing: list the benchmarks to run");
            return out;
        }
        if (!(v instanceof YamlValue.Sequence seq) || seq.items().isEmpty()) {
            checks.problem(v, "benchmarks", "must be a non-empty list of benchmark names or mappings, got " + v.kind());
            return out;
        }
        Set<String> labels = new LinkedHashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlValue item = seq.items().get(i);
            String key = "benchmarks[" + i + "]";
            YamlValue.Mapping m = YamlChecks.nameOrMapping(item);
            if (m == null) {
                checks.problem(item, key, "must be a benchmark name or a mapping, got " + item.kind());
                continue;
            }
            BenchmarkSpec spec = benchmark(m, key, dataRoot, defaultOnError);
            if (spec != null && spec.label() != null && !labels.add(spec.label())) {
                checks.problem(m, key, "benchmark '" + spec.label() + "' is listed twice; give one of them a label:");
            }
            if (spec != null) {
                out.add(spec);
            }
        }
        return out;
    }

    private BenchmarkSpec benchmark(YamlValue.Mapping m, String key, Path dataRoot, OnError defaultOnError) {
        checks.unknownKeys(m, key, KEYS);
        String name = checks.string(m, "name", key + ".name", null);
        if (name == null) {
            checks.problem(m, key + ".name", "missing");
            return null;
        }
        Benchmark b;
        try {
            b = Benchmarks.get(name); // the synthetic benchmark is registered like the others
        } catch (IllegalArgumentException e) {
            checks.problem(m.get("name"), key + ".name", e.getMessage());
            return null;
        }
        String label = checks.string(m, "label", key + ".label", b.name());
        Path root = m.get("root") != null ? checks.path(m.get("root"), key + ".root", checks.dryRun()) : dataRoot;
        // Files a preparation step writes before the run need not exist yet.
        boolean generated = false;
        if (m.get("generate") != null) {
            SynthGeneration g = SynthGeneration.read(m, key, b, root, checks);
            if (g != null) {
                generations.add(g);
                generated = !g.present();
            }
        }
        Path questions = dataPath(m, "questions", key, root, b.defaultQuestionFile(), true, generated);
        Path images =
                dataPath(m, "images", key, root, b.defaultImageFolder(), b.defaultImageFolder() != null, generated);
        Path annotations;
        if (m.get("annotations") != null) {
            annotations = dataPath(m, "annotations", key, root, null, true, false);
        } else if (root == null || b.defaultAnnotations() == null) {
            annotations = null;
        } else {
            Path p = root.resolve(b.defaultAnnotations());
            annotations = generated || Files.exists(p) ? p : null;
        }
        Integer limit = checks.atLeast(m.get("limit"), key + ".limit", null, 1);
        OnError onError = checks.onError(m.get("on_error"), key + ".on_error", defaultOnError);
        return new BenchmarkSpec(label, b, questions, images, annotations, limit, onError);
    }

    /**
     * The path {@code field} gives, else {@code defaultRelative} under {@code root}; reported when it
     * does not exist (a warning in a dry run), unless it is a default a preparation step will write.
     */
    private Path dataPath(
            YamlValue.Mapping m,
            String field,
            String key,
            Path root,
            String defaultRelative,
            boolean required,
            boolean generated) {
        boolean asWarning = checks.dryRun();
        YamlValue v = m.get(field);
        Path p;
        if (v != null) {
            p = checks.path(v, key + "." + field, asWarning);
        } else if (!required || defaultRelative == null) {
            return null;
        } else if (root == null) {
            if (!dataRootReported) {
                checks.report(
                        asWarning,
                        m.file(),
                        m.line(),
                        key + "." + field,
                        "not given, and there is no data_root (or root:) to find the default " + defaultRelative
                                + " in");
            }
            return null;
        } else {
            p = root.resolve(defaultRelative);
            if (generated) {
                return p;
            }
        }
        if (p != null && !Files.exists(p)) {
            checks.report(
                    asWarning,
                    v == null ? m.file() : v.file(),
                    v == null ? m.line() : v.line(),
                    key + "." + field,
                    "not found: " + p);
        }
        return p;
    }
}
