package org.transprune.run;

import java.nio.file.Path;
import org.transprune.bench.Benchmark;
import org.transprune.bench.OnError;

/**
 * One entry of {@code benchmarks:}: which benchmark, where its files are, how many questions.
 *
 * @param label the name records and tables use (the benchmark's name unless {@code label:} is given)
 * @param benchmark the scorer and question reader
 * @param questions the question file
 * @param images the image folder, or null when images are inline
 * @param annotations ground truth, or null when the question file carries it or none is local
 * @param limit only the first {@code limit} questions of the file, or null for all
 * @param onError what to do with a bad question line or an unreadable image
 */
public record BenchmarkSpec(
        String label,
        Benchmark benchmark,
        Path questions,
        Path images,
        Path annotations,
        Integer limit,
        OnError onError) {}
