package org.transprune.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transprune.bench.choice.TsvTable;
import org.transprune.bench.vqa.GqaBenchmark;
import org.transprune.bench.vqa.VqaNormalizer;

/**
 * Converters from a LLaVA answers file to the files the official evaluation servers take. Every
 * file is written atomically: a temporary file beside the target replaces it in one move, so an
 * interrupted or failed conversion leaves no partial upload file.
 */
public final class Submissions {
    private Submissions() {}

    /** Writes the content of a whole file to the path it is given. */
    @FunctionalInterface
    public interface FileBody {
        void write(Path file) throws IOException;
    }

    /**
     * Writes {@code out} atomically: {@code body} fills a temporary file in the same folder, which
     * then replaces {@code out} with an atomic move (a plain replacing move where the file system
     * has none). When {@code body} fails, {@code out} is untouched and the temporary file removed.
     */
    public static void writeAtomically(Path out, FileBody body) throws IOException {
        Path target = out.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            body.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Map<String, Answer> byId(List<Answer> answers) {
        Map<String, Answer> m = new HashMap<>();
        for (Answer a : answers) {
            m.put(a.id(), a); // later lines win, as in LLaVA's dict-based converters
        }
        return m;
    }

    /**
     * VQAv2 for EvalAI ({@code convert_vqav2_for_submission.py}): one entry per question of the
     * test split, {@code [{"question_id": .., "answer": ..}]}, answers passed through the EvalAI
     * processor, an empty answer where the model gave none.
     *
     * @param questions the full test2015 question list (EvalAI expects every test question)
     * @return number of questions without an answer
     */
    public static int vqav2(List<Sample> questions, List<Answer> answers, Path out) throws IOException {
        Map<String, Answer> m = byId(answers);
        ArrayNode arr = JsonLines.MAPPER.createArrayNode();
        int missing = 0;
        for (Sample s : questions) {
            Answer a = m.get(s.key());
            ObjectNode o = arr.addObject();
            o.set("question_id", s.questionId());
            if (a == null) {
                missing++;
                o.put("answer", "");
            } else {
                o.put("answer", VqaNormalizer.evalAi(a.text()));
            }
        }
        writeAtomically(out, f -> JsonLines.MAPPER.writeValue(f.toFile(), arr));
        return missing;
    }

    /** GQA predictions for its {@code eval.py} ({@code convert_gqa_for_eval.py}): questionId, prediction. */
    public static void gqa(List<Answer> answers, Path out) throws IOException {
        ArrayNode arr = JsonLines.MAPPER.createArrayNode();
        for (Answer a : answers) {
            ObjectNode o = arr.addObject();
            o.set("questionId", a.questionId());
            o.put("prediction", GqaBenchmark.prediction(a.text()));
        }
        writeAtomically(out, f -> JsonLines.MAPPER.writeValue(f.toFile(), arr));
    }

    /**
     * SEED-Bench upload JSONL: {@code {"question_id": "..", "prediction": ..}} per answered question,
     * the id written as a string as LLaVA's {@code scripts/convert_seed_for_submission.py} does (it
     * copies {@code question_id} from {@code SEED-Bench.json}, where ids are strings), whatever type
     * the question file gives it.
     */
    public static void seed(List<Sample> questions, List<Answer> answers, Path out) throws IOException {
        Map<String, Answer> m = byId(answers);
        writeAtomically(out, f -> writeSeed(questions, m, f));
    }

    private static void writeSeed(List<Sample> questions, Map<String, Answer> m, Path out) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (Sample s : questions) {
                Answer a = m.get(s.key());
                if (a == null) {
                    continue;
                }
                ObjectNode o = JsonLines.MAPPER.createObjectNode();
                o.put("question_id", QuestionId.of(s.questionId()));
                o.put("prediction", a.text());
                w.write(JsonLines.MAPPER.writeValueAsString(o));
                w.write('\n');
            }
        }
    }

    /** Columns {@code convert_mmbench_for_submission.py} drops before adding predictions. */
    private static final List<String> MMBENCH_DROPPED =
            List.of("hint", "category", "source", "image", "comment", "l2-category");

    /**
     * MMBench upload table ({@code convert_mmbench_for_submission.py}): the question TSV without
     * hint, category, source, image, comment and l2-category, with a {@code prediction} column
     * inserted as the 7th column. Written as CSV (comma, UTF-8 with BOM so Excel reads it) when
     * {@code out} ends in ".csv", else as TSV; fields are quoted when needed.
     */
    public static void mmbench(Path questionTsv, List<Answer> answers, Path out) throws IOException {
        TsvTable t = TsvTable.read(questionTsv);
        Map<String, Answer> m = byId(answers);
        List<Integer> keep = new ArrayList<>();
        List<String> header = new ArrayList<>();
        for (int c = 0; c < t.header().size(); c++) {
            if (!MMBENCH_DROPPED.contains(t.header().get(c))) {
                keep.add(c);
                header.add(t.header().get(c));
            }
        }
        int at = Math.min(6, header.size());
        header.add(at, "prediction");
        int indexCol = t.column("index");
        boolean csv = out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        char sep = csv ? ',' : '\t';
        writeAtomically(out, f -> writeTable(f, t, m, keep, header, at, indexCol, csv, sep));
    }

    private static void writeTable(
            Path out,
            TsvTable t,
            Map<String, Answer> m,
            List<Integer> keep,
            List<String> header,
            int at,
            int indexCol,
            boolean csv,
            char sep)
            throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            if (csv) {
                w.write('\uFEFF');
            }
            writeRow(w, header, sep);
            for (List<String> row : t.rows()) {
                List<String> cells = new ArrayList<>();
                for (int c : keep) {
                    cells.add(c < row.size() ? row.get(c) : "");
                }
                String id = indexCol >= 0 && indexCol < row.size()
                        ? row.get(indexCol).strip()
                        : "";
                Answer a = m.get(id);
                cells.add(at, a == null ? "" : a.text());
                writeRow(w, cells, sep);
            }
        }
    }

    private static void writeRow(BufferedWriter w, List<String> cells, char sep) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                w.write(sep);
            }
            String v = cells.get(i);
            if (v.indexOf(sep) >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                w.write('"');
                w.write(v.replace("\"", "\"\""));
                w.write('"');
            } else {
                w.write(v);
            }
        }
        w.write("\r\n");
    }
}
