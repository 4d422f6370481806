package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Base for benchmarks whose questions come as LLaVA question JSONL ({@code question_id},
 * {@code image}, {@code text}, optional {@code category}), the files {@code model_vqa_loader}
 * reads. LLaVA-1.5's files already end {@code text} with the answer-format suffix; when a file does
 * not, the suffix is appended on its own line, as the LLaVA-1.5 data does.
 */
public abstract class LlavaJsonlBenchmark implements Benchmark {

    @Override
    public List<Sample> readQuestions(Path questionFile, Path imageFolder, IssueLog log) throws IOException {
        List<Sample> out = new ArrayList<>();
        JsonLines.read(questionFile, log, (rec, line) -> {
            Sample s = toSample(rec, questionFile, line, imageFolder, log);
            if (s != null) {
                out.add(s);
            }
        });
        return out;
    }

    /** Builds the sample for one record, or returns null after reporting a problem. */
    protected Sample toSample(ObjectNode rec, Path file, int line, Path imageFolder, IssueLog log) {
        JsonNode qid = rec.get("question_id");
        if (QuestionId.of(qid) == null) {
            log.report(file, line, "question has no question_id");
            return null;
        }
        JsonNode text = rec.get("text");
        if (text == null || !text.isTextual()) {
            log.report(file, line, "question " + QuestionId.of(qid) + " has no text");
            return null;
        }
        JsonNode image = rec.get("image");
        if (image == null || !image.isTextual() || image.asText().isEmpty()) {
            log.report(file, line, "question " + QuestionId.of(qid) + " has no image");
            return null;
        }
        ImageRef ref = resolveImage(image.asText(), imageFolder, file, line, log);
        if (ref == null) {
            return null;
        }
        String prompt = withSuffix(text.asText(), promptSuffix());
        JsonNode cat = rec.get("category");
        String category = cat == null || cat.isNull() ? null : cat.asText();
        Sample s = new Sample(name(), QuestionId.of(qid), qid, ref, prompt, prompt, category, rec, file, line);
        return withKey(s);
    }

    /** Lets a benchmark join answers on something other than the question id (TextVQA). */
    protected Sample withKey(Sample s) {
        return s;
    }

    /** {@code text}, ending with {@code suffix} on its own line unless it already ends with it. */
    public static String withSuffix(String text, String suffix) {
        if (suffix == null || suffix.isEmpty() || text.stripTrailing().endsWith(suffix)) {
            return text;
        }
        return text + "\n" + suffix;
    }

    /**
     * The image file; when {@code imageFolder} is given it must exist and be readable, otherwise
     * the problem is reported and null returned.
     */
    public static ImageRef resolveImage(String name, Path imageFolder, Path file, int line, IssueLog log) {
        if (imageFolder == null) {
            return new ImageRef.File(Path.of(name));
        }
        Path p = imageFolder.resolve(name);
        if (!Files.isRegularFile(p)) {
            log.report(file, line, "missing image " + p);
            return null;
        }
        if (!Files.isReadable(p)) {
            log.report(file, line, "unreadable image " + p + " (no read permission)");
            return null;
        }
        return new ImageRef.File(p);
    }

    @Override
    public String toString() {
        return name();
    }
}
