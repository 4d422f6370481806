package org.transprune.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transprune.bench.Answer;
import org.transprune.bench.AnswersReader;
import org.transprune.bench.Benchmark;
import org.transprune.bench.BenchmarkDataException;
import org.transprune.bench.Benchmarks;
import org.transprune.bench.DataIssue;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.OnError;
import org.transprune.bench.Pairing;
import org.transprune.bench.QuestionFiles;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;
import org.transprune.bench.Submissions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code transprune eval}: scores an existing LLaVA answers file, no model needed. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Scores a LLaVA answers JSONL file against a benchmark's ground truth, as the official evaluator does.",
            "Benchmarks: mme, vqav2, seed, textvqa, scienceqa, pope, gqa, mmbench.",
            "Paths default to LLaVA's layout under --data-root (playground/data/eval).",
            "The question file and the answers are checked first; a problem stops with one line naming the file"
                    + " and line, and no file is written.",
            "VQAv2: the local score follows the 2017 vqaEval.py of the official VQA API; for test-dev the EvalAI"
                    + " server is authoritative (upload the file --submission writes).",
            "ScienceQA: --annotations takes problems.json or ScienceQA's data folder holding it (sqa.sh's --base-dir).",
            "MMBench: letters are read with VLMEvalKit v0.2's default exact matching (no LLM judge)."
        })
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--benchmark", required = true, paramLabel = "NAME", description = "benchmark name")
    String benchmark;

    @Option(names = "--answers", required = true, paramLabel = "FILE", description = "answers JSONL (LLaVA layout)")
    Path answers;

    @Option(
            names = "--questions",
            paramLabel = "FILE",
            description = "question file (default: LLaVA's under --data-root)")
    Path questions;

    @Option(
            names = "--annotations",
            paramLabel = "PATH",
            description = "ground-truth file or folder (default: LLaVA's under --data-root, if present)")
    Path annotations;

    @Option(
            names = "--data-root",
            paramLabel = "DIR",
            defaultValue = "playground/data/eval",
            description = "LLaVA eval data folder for default paths (default: ${DEFAULT-VALUE})")
    Path dataRoot;

    @Option(
            names = "--on-error",
            paramLabel = "skip|fail",
            defaultValue = "fail",
            description =
                    "bad line, unknown question id, missing ground truth: skip (count and list) or fail (default: ${DEFAULT-VALUE})")
    String onError;

    @Option(names = "--json", paramLabel = "OUT", description = "also write the metrics as JSON")
    Path json;

    @Option(
            names = "--submission",
            paramLabel = "OUT",
            description =
                    "also write the upload file (vqav2: EvalAI JSON; mmbench: .csv/.tsv table; seed: JSONL; gqa: predictions JSON)")
    Path submission;

    @Override
    public Integer call() throws Exception {
        Benchmark b = Benchmarks.get(benchmark);
        IssueLog log = new IssueLog(OnError.parse(onError));
        Path q = questions != null ? questions : dataRoot.resolve(b.defaultQuestionFile());
        if (!Files.exists(q)) {
            throw new UserError(q + ": question file not found (pass --questions)");
        }
        if (!Files.isRegularFile(answers)) {
            throw new UserError("answers file not found: " + answers);
        }
        Path ann = annotations;
        if (ann == null && b.defaultAnnotations() != null && Files.exists(dataRoot.resolve(b.defaultAnnotations()))) {
            ann = dataRoot.resolve(b.defaultAnnotations());
        }
        if (ann != null && !Files.exists(ann)) {
            throw new UserError("annotations not found: " + ann);
        }
        Score score;
        try {
            List<Sample> samples = QuestionFiles.read(b, q, null, log);
            List<Answer> given = AnswersReader.read(answers, log);
            if (given.isEmpty()) {
                throw new UserError(answers + ": no answers in the file");
            }
            // Joining answers to questions reports unknown ids and repeated answers (under --on-error
            // fail it stops here), so nothing is written for answers that do not validate.
            Pairing.join(b, samples, given, new IssueLog(log.policy()));
            if (submission != null) {
                writeSubmission(b, q, samples, given);
            }
            try {
                score = b.score(samples, given, ann, log);
            } catch (IllegalArgumentException e) {
                if (submission == null) {
                    throw e;
                }
                // A test split has no ground truth: the upload file is the result.
                System.out.println("not scored locally: " + e.getMessage());
                return 0;
            }
        } catch (BenchmarkDataException e) {
            throw new UserError(
                    e.getMessage() + (e.skippable() ? " (use --on-error skip to leave such items out)" : ""));
        } catch (NoSuchFileException e) {
            throw new UserError(e.getFile() + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UserError(e.getFile() + ": permission denied");
        }
        System.out.println(b.title() + " — " + answers);
        System.out.print(score.table());
        if (json != null) {
            ObjectNode doc = toJson(score, b, q, ann);
            Submissions.writeAtomically(
                    json, f -> JsonLines.MAPPER.writerWithDefaultPrettyPrinter().writeValue(f.toFile(), doc));
        }
        return 0;
    }

    private void writeSubmission(Benchmark b, Path q, List<Sample> samples, List<Answer> given) throws Exception {
        switch (b.name()) {
            case "vqav2" -> {
                int missing = Submissions.vqav2(samples, given, submission);
                if (missing > 0) {
                    System.err.println(
                            "warning: " + missing + " question(s) without an answer written with an empty answer");
                }
            }
            case "mmbench" -> Submissions.mmbench(q, given, submission);
            case "seed" -> Submissions.seed(samples, given, submission);
            case "gqa" -> Submissions.gqa(given, submission);
            default -> throw new UserError(b.name() + " has no submission format; it is scored locally");
        }
        System.out.println("submission written: " + submission);
    }

    private ObjectNode toJson(Score s, Benchmark b, Path q, Path ann) {
        ObjectNode o = JsonLines.MAPPER.createObjectNode();
        o.put("benchmark", s.benchmark());
        o.put("answers", answers.toString());
        o.put("questions", q.toString());
        o.put("annotations", ann == null ? null : ann.toString());
        o.put("headline", s.headline());
        ObjectNode m = o.putObject("metrics");
        s.metrics().forEach((k, v) -> {
            if (Double.isNaN(v)) {
                m.putNull(k);
            } else {
                m.put(k, v);
            }
        });
        o.put("questions_total", s.questions());
        o.put("scored", s.scored());
        o.put("without_answer", s.missing());
        o.put("on_error", onError.toLowerCase(Locale.ROOT));
        ArrayNode sk = o.putArray("skipped");
        for (DataIssue i : s.skipped()) {
            ObjectNode e = sk.addObject();
            e.put("file", i.file() == null ? null : i.file().toString());
            e.put("line", i.line());
            e.put("message", i.message());
        }
        ArrayNode notes = o.putArray("notes");
        s.notes().forEach(notes::add);
        return o;
    }
}
