package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a LLaVA answers JSONL file; lines without {@code question_id} or {@code text} are reported. */
public final class AnswersReader {
    private AnswersReader() {}

    /** All well-formed answers in file order; problems go to {@code log}. */
    public static List<Answer> read(Path file, IssueLog log) throws IOException {
        List<Answer> out = new ArrayList<>();
        JsonLines.read(file, log, (rec, line) -> {
            JsonNode qid = rec.get("question_id");
            if (QuestionId.of(qid) == null) {
                log.report(file, line, "answer has no question_id");
                return;
            }
            JsonNode text = rec.get("text");
            if (text == null || text.isNull() || text.isContainerNode()) {
                log.report(file, line, "answer to question " + QuestionId.of(qid) + " has no text");
                return;
            }
            JsonNode round = rec.get("round_id");
            out.add(new Answer(
                    qid,
                    textOrNull(rec.get("prompt")),
                    text.asText(),
                    textOrNull(rec.get("answer_id")),
                    textOrNull(rec.get("model_id")),
                    rec.get("metadata"),
                    round != null && round.canConvertToInt() ? round.intValue() : null,
                    rec,
                    file,
                    line));
        });
        return out;
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
