package org.transprune.synth;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes and reads the benchmark in the LLaVA evaluation layout:
 * <ul>
 *   <li>{@code questions.jsonl}: {@code question_id}, {@code image} (file name inside
 *       {@code images/}), {@code text} (the question, then a new line and the suffix when one is
 *       given), {@code category};
 *   <li>{@code images/NNNNNN.png}: the RGB images, 336 x 336 unless other frames are asked for;
 *   <li>{@code answers.jsonl}: the key: {@code question_id}, {@code image}, {@code category},
 *       {@code question} (without suffix), {@code answer}, {@code boxes} ([x0, y0, x1, y1], x1 and y1
 *       exclusive), {@code objects} (kind, color, x0, y0, size: enough to recompute the pixel masks)
 *       and {@code relevant_patches} for grids 12 and 24 at 5% coverage;
 *   <li>{@code summary.json}: see {@link SynthSummary}.
 * </ul>
 * The same arguments give byte-identical files.
 */
public final class SynthDataset {
    public static final String QUESTIONS = "questions.jsonl";
    public static final String ANSWERS = "answers.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String IMAGES = "images";
    /** The grids whose relevant patches are written into the answer key for non-Java readers. */
    public static final int[] KEY_GRIDS = {12, 24};

    private static final ObjectMapper JSON = new ObjectMapper();

    private SynthDataset() {}

    /** {@link #write(Path, long, int, int, Split, String)} with LLaVA's short-answer suffix. */
    public static SynthSummary write(Path out, long seed, int numImages, int questionsPerImage, Split split)
            throws IOException {
        return write(out, seed, numImages, questionsPerImage, split, Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX);
    }

    /**
     * Generates {@code numImages} images of the {@code split} stream of {@code seed}, with
     * {@code questionsPerImage} questions each, into {@code out}, which must be absent or empty.
     *
     * @param suffix appended to each question's text on a new line; empty or null for none
     */
    public static SynthSummary write(
            Path out, long seed, int numImages, int questionsPerImage, Split split, String suffix) throws IOException {
        return write(out, seed, numImages, questionsPerImage, split, suffix, false);
    }

    /**
     * As {@link #write(Path, long, int, int, Split, String)}; with {@code blank} every image is the
     * scene's background alone (same noise, no objects) while questions and answers are those of
     * the full scene: what a model answers from the question alone, for checking that the
     * benchmark needs the image. The summary records {@code "blank_images": true}.
     */
    public static SynthSummary write(
            Path out, long seed, int numImages, int questionsPerImage, Split split, String suffix, boolean blank)
            throws IOException {
        return write(out, seed, numImages, questionsPerImage, split, suffix, blank, List.of(Frame.DEFAULT));
    }

    /**
     * As {@link #write(Path, long, int, int, Split, String, boolean)}, with image i drawn in frame
     * {@code frames[i mod frames.size()]} (see {@link SynthSampler#SynthSampler(long, Split, int, List)}).
     * With frames other than the single default one, every answer-key line also records its image's
     * {@code width} and {@code height} (relevant patches are over that frame) and the summary its
     * {@code frames}; the default writes exactly what it always wrote.
     */
    public static SynthSummary write(
            Path out,
            long seed,
            int numImages,
            int questionsPerImage,
            Split split,
            String suffix,
            boolean blank,
            List<Frame> frames)
            throws IOException {
        boolean defaultFrames = frames.equals(List.of(Frame.DEFAULT));
        if (numImages < 1) {
            throw new IllegalArgumentException("need at least one image, got " + numImages);
        }
        String suffixText = suffix == null ? "" : suffix.strip();
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("output directory is not empty: " + out);
                }
            }
        }
        Path images = out.resolve(IMAGES);
        Files.createDirectories(images);
        SynthSampler sampler = new SynthSampler(seed, split, questionsPerImage, frames);
        List<Question> all = new ArrayList<>();
        long questionId = 0;
        try (BufferedWriter qw = Files.newBufferedWriter(out.resolve(QUESTIONS), StandardCharsets.UTF_8);
                BufferedWriter aw = Files.newBufferedWriter(out.resolve(ANSWERS), StandardCharsets.UTF_8)) {
            for (int i = 0; i < numImages; i++) {
                Sample sample = sampler.next();
                String file = String.format(Locale.ROOT, "%06d.png", i);
                Scene shown = blank ? sample.scene().blank() : sample.scene();
                int[] pixels = new int[shown.width() * shown.height()];
                shown.renderInto(pixels);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(images.resolve(file)), 1 << 16)) {
                    PngEncoder.write(pixels, shown.width(), shown.height(), os);
                }
                for (Question q : sample.questions()) {
                    String text = suffixText.isEmpty() ? q.text() : q.text() + "\n" + suffixText;
                    Map<String, Object> ql = new LinkedHashMap<>();
                    ql.put("question_id", questionId);
                    ql.put("image", file);
                    ql.put("text", text);
                    ql.put("category", q.type().category());
                    qw.write(JSON.writeValueAsString(ql));
                    qw.write('\n');
                    aw.write(JSON.writeValueAsString(keyLine(questionId, file, q, !defaultFrames)));
                    aw.write('\n');
                    all.add(q);
                    questionId++;
                }
            }
        }
        SynthSummary summary = SynthSummary.of(seed, split, numImages, questionsPerImage, suffixText, all);
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
        Map<String, Object> summaryJson = summaryJson(summary);
        if (blank) {
            summaryJson.put("blank_images", true);
        }
        if (!defaultFrames) {
            summaryJson.put("frames", frames.stream().map(Frame::toString).toList());
        }
        String json = JSON.writer(pretty).writeValueAsString(summaryJson);
        Files.writeString(out.resolve(SUMMARY), json + "\n", StandardCharsets.UTF_8);
        return summary;
    }

    private static Map<String, Object> keyLine(long questionId, String file, Question q, boolean frame) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question_id", questionId);
        m.put("image", file);
        if (frame) {
            m.put("width", q.width());
            m.put("height", q.height());
        }
        m.put("category", q.type().category());
        m.put("question", q.text());
        m.put("answer", q.answer());
        m.put("boxes", q.boxes());
        List<Map<String, Object>> objs = new ArrayList<>();
        for (SceneObject o : q.objects()) {
            Map<String, Object> om = new LinkedHashMap<>();
            om.put("kind", o.kind().word());
            om.put("color", o.color().word());
            om.put("x0", o.x0());
            om.put("y0", o.y0());
            om.put("size", o.size());
            objs.add(om);
        }
        m.put("objects", objs);
        Map<String, Object> patches = new LinkedHashMap<>();
        for (int g : KEY_GRIDS) {
            patches.put(Integer.toString(g), q.relevantPatches(g));
        }
        m.put("relevant_patches", patches);
        return m;
    }

    private static Map<String, Object> summaryJson(SynthSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator_version", s.generatorVersion());
        m.put("seed", s.seed());
        m.put("split", s.split());
        m.put("images", s.images());
        m.put("questions_per_image", s.questionsPerImage());
        m.put("questions", s.questions());
        m.put("suffix", s.suffix());
        m.put("image_folder", IMAGES);
        m.put("questions_per_category", s.questionsPerCategory());
        m.put("answer_counts", s.answerCounts());
        m.put("majority_answer", s.majorityAnswer());
        m.put("majority_share", s.majorityShare());
        m.put("template_prior_share", s.templatePriorShare());
        m.put("overall_majority_share", s.overallMajorityShare());
        m.put("overall_template_prior_share", s.overallTemplatePriorShare());
        return m;
    }

    /** Reads the answer key of a dataset written by {@link #write}, in file order. */
    public static List<AnswerKeyEntry> readAnswers(Path dir) throws IOException {
        List<AnswerKeyEntry> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(ANSWERS), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            List<SceneObject> objs = new ArrayList<>();
            for (JsonNode o : n.get("objects")) {
                objs.add(new SceneObject(
                        ShapeKind.ofWord(o.get("kind").asText()),
                        ShapeColor.ofWord(o.get("color").asText()),
                        o.get("x0").asInt(),
                        o.get("y0").asInt(),
                        o.get("size").asInt()));
            }
            Question q = new Question(
                    QuestionType.ofCategory(n.get("category").asText()),
                    n.get("question").asText(),
                    n.get("answer").asText(),
                    objs,
                    n.path("width").asInt(Scene.SIZE),
                    n.path("height").asInt(Scene.SIZE));
            out.add(new AnswerKeyEntry(
                    n.get("question_id").asLong(), n.get("image").asText(), q));
        }
        return out;
    }
}
