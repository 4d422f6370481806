package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * Canonical text form of a {@code question_id}. Question files use numbers (VQAv2, POPE), numeric
 * strings (GQA, SEED) or paths (MME); answers files may spell the same id either way, so ids are
 * compared by this text: integral numbers without a fraction, strings as they are. (SEED's official
 * converter likewise tries {@code int(question_id)} before the string.)
 */
public final class QuestionId {
    private QuestionId() {}

    /** Text of an id node, or null when the node is missing, null, or not a scalar. */
    public static String of(JsonNode id) {
        if (id == null || id.isNull() || id.isMissingNode() || id.isContainerNode()) {
            return null;
        }
        if (id.isIntegralNumber()) {
            return id.bigIntegerValue().toString();
        }
        if (id.isNumber()) {
            double d = id.doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d)) {
                return BigDecimal.valueOf(d).toBigInteger().toString();
            }
            return id.asText();
        }
        String s = id.asText();
        // "00123" stays a string id; "123" and 123 are the same question.
        return s;
    }
}
