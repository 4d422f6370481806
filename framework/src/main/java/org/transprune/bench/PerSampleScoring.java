package org.transprune.bench;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A benchmark whose answers can be judged one at a time (exact match against a per-question
 * answer), so per-sample records can say whether each answer was right and tables can give a
 * standard error. Benchmarks scored only in aggregate (MME's acc+, MMBench's circular groups,
 * VQA's server-side test splits) do not implement it.
 */
public interface PerSampleScoring {

    /** Loads what {@link #correct} needs (the answer key) once per run. */
    Judge judge(Path annotations) throws IOException;

    /** Judges single answers. */
    interface Judge {
        /** Whether {@code answer} to {@code sample} is right, or null when the sample has no known answer. */
        Boolean correct(Sample sample, String answer);
    }
}
