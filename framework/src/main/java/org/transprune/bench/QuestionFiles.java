package org.transprune.bench;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and checks a benchmark's question file as a whole, the one check {@code run} and
 * {@code eval} share before anything is written: the file exists and is readable, every line is
 * well formed and names its image, every image exists (when an image folder is given), no question
 * key is repeated, and at least one question is left.
 *
 * <p>Problems tied to one question (a malformed line, a missing image, a repeated key) go through
 * the {@link IssueLog}: under {@code fail} the first one throws a {@link BenchmarkDataException}
 * naming file and line; under {@code skip} the question is left out and the problem listed. A file
 * that is missing, unreadable, not valid JSON as a whole, or holds no usable question is always
 * refused.
 */
public final class QuestionFiles {
    private QuestionFiles() {}

    /**
     * The questions of {@code questionFile}, in file order, each key once.
     *
     * @param imageFolder base folder for image paths, checked to exist; null to skip the image check
     *     (scoring only)
     * @throws BenchmarkDataException for a problem with the file (one line: file, line, problem)
     */
    public static List<Sample> read(Benchmark benchmark, Path questionFile, Path imageFolder, IssueLog log)
            throws IOException {
        if (!Files.exists(questionFile)) {
            throw problem(questionFile, 0, "question file not found");
        }
        if (!Files.isRegularFile(questionFile)) {
            throw problem(questionFile, 0, "question file is not a regular file");
        }
        if (!Files.isReadable(questionFile)) {
            throw problem(questionFile, 0, "question file is not readable (no read permission)");
        }
        int before = log.issues().size();
        List<Sample> all;
        try {
            all = benchmark.readQuestions(questionFile, imageFolder, log);
        } catch (NoSuchFileException e) {
            throw problem(questionFile, 0, "cannot read " + e.getFile());
        } catch (CharacterCodingException e) {
            throw problem(questionFile, 0, "not UTF-8 text");
        }
        List<Sample> out = new ArrayList<>(all.size());
        Map<String, Sample> byKey = new HashMap<>();
        for (Sample s : all) {
            Sample first = byKey.putIfAbsent(s.key(), s);
            if (first != null) {
                // Answers, resume and sharding identify work by the sample key: a repeated key cannot be kept.
                log.report(
                        s.source(),
                        s.line(),
                        "duplicate question " + s.key().replace('\u0000', '|') + " (first at line " + first.line()
                                + ")");
                continue;
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            int skipped = log.issues().size() - before;
            throw problem(
                    questionFile,
                    0,
                    skipped == 0
                            ? "no questions in the file"
                            : "no usable questions (" + skipped + " skipped; the first: "
                                    + log.issues().get(before) + ")");
        }
        return List.copyOf(out);
    }

    private static BenchmarkDataException problem(Path file, int line, String message) {
        return new BenchmarkDataException(new DataIssue(file, line, message));
    }
}
