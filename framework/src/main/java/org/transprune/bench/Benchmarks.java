package org.transprune.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import org.transprune.bench.choice.MmBenchBenchmark;
import org.transprune.bench.choice.ScienceQaBenchmark;
import org.transprune.bench.choice.SeedBenchmark;
import org.transprune.bench.vqa.GqaBenchmark;
import org.transprune.bench.vqa.TextVqaBenchmark;
import org.transprune.bench.vqa.VqaV2Benchmark;
import org.transprune.bench.yesno.MmeBenchmark;
import org.transprune.bench.yesno.PopeBenchmark;

/**
 * The benchmarks by name: the eight of the paper, in the order of its Table 1, then those registered on the class path
 * with {@link ServiceLoader} ({@code META-INF/services/org.transprune.bench.Benchmark}), such as the synthetic one.
 */
public final class Benchmarks {
    private static final Map<String, Benchmark> ALL = new LinkedHashMap<>();

    static {
        for (Benchmark b : List.of(
                new MmeBenchmark(),
                new VqaV2Benchmark(),
                new SeedBenchmark(),
                new TextVqaBenchmark(),
                new ScienceQaBenchmark(),
                new PopeBenchmark(),
                new GqaBenchmark(),
                new MmBenchBenchmark())) {
            ALL.put(b.name(), b);
        }
        for (Benchmark b : ServiceLoader.load(Benchmark.class)) {
            ALL.putIfAbsent(b.name(), b);
        }
    }

    private Benchmarks() {}

    /** All benchmarks: mme, vqav2, seed, textvqa, scienceqa, pope, gqa, mmbench, then the registered ones (synth). */
    public static List<Benchmark> all() {
        return List.copyOf(ALL.values());
    }

    /** The names, in table order. */
    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /**
     * The benchmark called {@code name} (case-insensitive, e.g. {@code synth}; "sqa" and "scienceqa-img" are accepted
     * for scienceqa, "seed-bench" for seed, "mmb" for mmbench).
     *
     * @throws IllegalArgumentException listing the known names
     */
    public static Benchmark get(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        n = switch (n) {
            case "sqa", "scienceqa-img", "sqa-img" -> "scienceqa";
            case "seed-bench", "seedbench" -> "seed";
            case "mmb" -> "mmbench";
            default -> n;
        };
        Benchmark b = ALL.get(n);
        if (b == null) {
            throw new IllegalArgumentException(
                    "unknown benchmark '" + name + "'; known: " + String.join(", ", names()));
        }
        return b;
    }
}
