package org.transprune.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One evaluation benchmark in LLaVA-1.5's layout: how to read its question file into
 * {@link Sample}s, the answer-format suffix LLaVA-1.5 appends, where its files live, and how to
 * score a set of answers the way the official evaluator does.
 *
 * <p>Default paths are those of LLaVA's {@code scripts/v1_5/eval/*.sh}, relative to LLaVA's
 * {@code playground/data/eval} directory.
 */
public interface Benchmark {

    /** Registry name: mme, vqav2, seed, textvqa, scienceqa, pope, gqa, mmbench. */
    String name();

    /** Human-readable name and split, e.g. "VQAv2 test-dev". */
    String title();

    /** The answer-format instruction LLaVA-1.5 puts after the question. */
    String promptSuffix();

    /** Question file relative to {@code playground/data/eval}. */
    String defaultQuestionFile();

    /** Image folder relative to {@code playground/data/eval}, or null when images are inline. */
    String defaultImageFolder();

    /** Ground-truth file or folder relative to {@code playground/data/eval}, or null if inline. */
    String defaultAnnotations();

    /** The metric printed first and used in tables (e.g. "accuracy", "f1", "total"). */
    String headlineMetric();

    /**
     * Reads the question file.
     *
     * @param imageFolder base folder for image paths; when non-null every image file must exist and
     *                    be readable (otherwise the sample is reported to {@code log}); when null
     *                    images are not checked (scoring only)
     */
    List<Sample> readQuestions(Path questionFile, Path imageFolder, IssueLog log) throws IOException;

    /** The key that joins {@code answer} to its {@link Sample#key()}. */
    default String keyOf(Answer answer) {
        return answer.id();
    }

    /**
     * Scores {@code answers} against the ground truth, mirroring the official evaluator.
     *
     * @param samples     the questions that were asked (usually the whole question file)
     * @param annotations ground-truth file or folder, or null when the question file carries it
     */
    Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException;
}
