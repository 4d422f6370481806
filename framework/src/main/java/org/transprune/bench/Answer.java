package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * One line of a LLaVA answers JSONL file: {@code question_id}, {@code prompt}, {@code text},
 * {@code answer_id}, {@code model_id}, {@code metadata} (and, for MMBench's all-rounds mode,
 * {@code round_id}).
 *
 * @param questionId the id as written (number or string)
 * @param roundId    MMBench rotation round, or null
 * @param raw        the whole record, for fields a scorer needs beyond these
 * @param source     answers file it was read from (null for answers made in memory)
 * @param line       1-based line in that file (0 for answers made in memory)
 */
public record Answer(
        JsonNode questionId,
        String prompt,
        String text,
        String answerId,
        String modelId,
        JsonNode metadata,
        Integer roundId,
        ObjectNode raw,
        Path source,
        int line) {

    /** Canonical question id text (see {@link QuestionId}). */
    public String id() {
        return QuestionId.of(questionId);
    }

    /** An in-memory answer to {@code sample} (the runner's output before it is written). */
    public static Answer of(Sample sample, String text, String modelId) {
        return new Answer(sample.questionId(), sample.answerPrompt(), text, null, modelId, null, null, null, null, 0);
    }
}
