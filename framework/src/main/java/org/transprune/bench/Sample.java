package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * One benchmark question as the model sees it.
 *
 * @param benchmark    registry name of the benchmark
 * @param key          what answers are joined on ({@link Benchmark#keyOf(Answer)} gives the same
 *                     key for the matching answer); usually the canonical question id
 * @param questionId   the {@code question_id} exactly as in the question file (number or string),
 *                     written back unchanged into the answers file
 * @param image        the image, or null for a text-only question (some ScienceQA items)
 * @param prompt       the user text LLaVA-1.5 feeds after the image token, including the
 *                     benchmark's answer-format suffix
 * @param answerPrompt the text LLaVA's scripts record as {@code prompt} in the answers file (the
 *                     official evaluators read it back: TextVQA finds the question in it,
 *                     ScienceQA checks it for {@code <image>})
 * @param category     the question's category / subtask / split, or null
 * @param fields       the raw question record (for per-benchmark fields such as MMBench options)
 * @param source       the question file
 * @param line         1-based line (JSONL/TSV) or 1-based element index (JSON array) in the source
 */
public record Sample(
        String benchmark,
        String key,
        JsonNode questionId,
        ImageRef image,
        String prompt,
        String answerPrompt,
        String category,
        ObjectNode fields,
        Path source,
        int line) {

    /** Text field of the raw record, or null. */
    public String field(String name) {
        JsonNode n = fields == null ? null : fields.get(name);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** "file:line" for messages. */
    public String where() {
        return source + ":" + line;
    }
}
