package org.transprune.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RecordsTest {
    /** The committed reference runs, relative to the framework module. */
    static final Path RESULTS = Path.of("..", "results");

    @Test
    void everyCommittedRecordReadsAsATypedRecordAndWritesBackByteForByte() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(RESULTS)) {
            files = s.map(d -> d.resolve(ResultsLog.FILE_NAME))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
        assertEquals(
                5, files.size(), "results/default, ablation-micro, micro-llava-quality, projector-micro, default-next");
        int samples = 0;
        int summaries = 0;
        int summaryLines = 0;
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            summaryLines += (int) lines.stream()
                    .filter(l -> l.startsWith("{\"type\":\"summary\""))
                    .count();
            for (int i = 0; i < lines.size(); i++) {
                RunRecord r = Records.parse(Records.MAPPER.readTree(lines.get(i)));
                assertEquals(lines.get(i), Records.toLine(r), f + ":" + (i + 1));
                if (r instanceof SampleRecord) {
                    samples++;
                } else {
                    summaries++;
                }
            }
        }
        assertEquals(21532, samples + summaries);
        assertEquals(summaryLines, summaries);
        assertTrue(samples > 12_000 && summaries >= 24, samples + " samples, " + summaries + " summaries");
    }

    @Test
    void theVolatileFieldsAreTheTimingsTheCacheFlagAndTheTimesOfDay() {
        assertEquals(
                Set.of(
                        "image_ms",
                        "image_cached",
                        "prefill_ms",
                        "scoring_ms",
                        "decode_ms",
                        "prefill_ms_mean",
                        "prefill_ms_median",
                        "started_at",
                        "ended_at"),
                Records.VOLATILE_FIELDS);
    }

    @Test
    void aSkippedSampleHasNoVerdictAndNotANumberIsWrittenAsNull() throws IOException {
        SampleRecord skipped = SampleRecord.skipped(
                "c", "b", "7", Records.MAPPER.getNodeFactory().numberNode(7), "none", null, "unreadable image", null);
        String line = Records.toLine(skipped);
        assertEquals(
                "{\"type\":\"sample\",\"config\":\"c\",\"benchmark\":\"b\",\"sample\":\"7\",\"question_id\":7,"
                        + "\"strategy\":\"none\",\"category\":null,\"skipped\":\"unreadable image\"}",
                line);
        SampleRecord back = assertInstanceOf(SampleRecord.class, Records.parse(Records.MAPPER.readTree(line)));
        assertTrue(back.wasSkipped());
        String withNan = "{\"type\":\"summary\",\"config\":\"c\",\"benchmark\":\"b\",\"configuration\":{\"strategy\":"
                + "\"none\",\"label\":\"x\",\"parameters\":{},\"seed\":0,\"max_new_tokens\":4,\"model\":{}},\"samples\":0,"
                + "\"skipped\":0,\"headline\":\"accuracy\",\"metrics\":{\"accuracy\":null},\"prefill_ms_mean\":null,"
                + "\"prefill_ms_median\":null,\"agreement_with\":\"u\",\"agreement\":null,\"recall\":{\"all\":[0.5,null]}}";
        SummaryRecord s = assertInstanceOf(SummaryRecord.class, Records.parse(Records.MAPPER.readTree(withNan)));
        assertTrue(Double.isNaN(s.agreement()) && Double.isNaN(s.headlineValue()));
        assertTrue(Double.isNaN(s.recall().get("all").get(1)));
        assertEquals(withNan, Records.toLine(s));
    }
}
