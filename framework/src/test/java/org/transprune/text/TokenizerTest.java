package org.transprune.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

    static final List<String> WORDS =
            List.of("is", "there", "a", "red", "circle", "?", "what", "color", "the", "square", "blue");
    static final int FIRST_WORD_ID = WordLevelTokenizerWriter.SPECIAL_TOKENS.size();

    @TempDir
    Path dir;

    static int id(String word) {
        return FIRST_WORD_ID + WORDS.indexOf(word);
    }

    @Test
    void roundTripWithBos() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        try (Tokenizer t = Tokenizer.load(dir)) {
            int[] ids = t.encode("is there a red circle ?", true);
            assertArrayEquals(new int[] {1, id("is"), id("there"), id("a"), id("red"), id("circle"), id("?")}, ids);
            assertEquals("is there a red circle ?", t.decode(ids));
            int[] noBos = t.encode("is there a red circle ?", false);
            assertEquals(ids.length - 1, noBos.length);
            assertEquals(id("is"), noBos[0]);
        }
    }

    @Test
    void specialIdsAndVocabulary() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        try (Tokenizer t = Tokenizer.load(dir.resolve("tokenizer.json"))) {
            assertEquals(1, t.bosId());
            assertEquals(OptionalInt.of(2), t.eosId());
            assertEquals(OptionalInt.of(4), t.tokenId("<image>"));
            assertEquals(OptionalInt.of(id("square")), t.tokenId("square"));
            assertEquals(OptionalInt.empty(), t.tokenId("triangle"));
            assertEquals(5 + WORDS.size(), t.vocabSize());
            assertTrue(t.addsBosByDefault());
        }
    }

    @Test
    void unknownWordsBecomeUnkAndPunctuationIsSplit() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertArrayEquals(new int[] {id("is"), 0, id("circle"), id("?")}, t.encode("is triangle circle?", false));
            // case matters without the lowercase option
            assertArrayEquals(new int[] {0}, t.encode("Red", false));
        }
    }

    @Test
    void lowercaseOptionAndSpecialTokensSkippedInDecode() throws IOException {
        new WordLevelTokenizerWriter().lowercase(true).write(dir, WORDS);
        try (Tokenizer t = Tokenizer.load(dir)) {
            int[] ids = t.encode("Is there a RED circle ?", true);
            assertArrayEquals(new int[] {1, id("is"), id("there"), id("a"), id("red"), id("circle"), id("?")}, ids);
            // <image> and </s> are special: decode drops them
            assertEquals("red circle", t.decode(new int[] {1, 4, id("red"), id("circle"), 2}));
        }
    }

    @Test
    void sevenHundredWordPromptIsNotTruncated() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        StringBuilder text = new StringBuilder();
        int[] expected = new int[701];
        expected[0] = 1;
        for (int i = 0; i < 700; i++) {
            String w = WORDS.get(i % WORDS.size());
            text.append(w).append(' ');
            expected[i + 1] = id(w);
        }
        try (Tokenizer t = Tokenizer.load(dir)) {
            int[] ids = t.encode(text.toString(), true);
            assertEquals(701, ids.length);
            assertArrayEquals(expected, ids);
        }
    }

    @Test
    void writtenPostProcessorAddsBosForHuggingFaceUsers() throws IOException {
        Path file = new WordLevelTokenizerWriter().write(dir, WORDS);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optTruncation(false)
                .optPadding(false)
                .build()) {
            long[] ids = hf.encode("red circle", true, false).getIds();
            assertArrayEquals(new long[] {1, id("red"), id("circle")}, ids);
        }
    }

    @Test
    void bosAndEosComeFromTheConfigFilesFirst() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        // AddedToken-object form, as transformers writes it; <pad> is id 3
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<pad>\"}, \"add_bos_token\": false}");
        Files.delete(dir.resolve("special_tokens_map.json"));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [7, 2]}");
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertEquals(3, t.bosId());
            assertEquals(OptionalInt.of(7), t.eosId());
            assertEquals(false, t.addsBosByDefault());
        }
    }

    @Test
    void withoutConfigFilesTheAddedTokensDecide() throws IOException {
        new WordLevelTokenizerWriter().write(dir, WORDS);
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.delete(dir.resolve("special_tokens_map.json"));
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertEquals(1, t.bosId());
            assertEquals(OptionalInt.of(2), t.eosId());
        }
    }

    @Test
    void missingTokenizerIsNamed() {
        Path missing = dir.resolve("nowhere.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        // a directory without tokenizer.json names the file it looked for
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    @Test
    void writerRejectsDuplicatesAndUnreachableWords() {
        WordLevelTokenizerWriter w = new WordLevelTokenizerWriter();
        assertThrows(IllegalArgumentException.class, () -> w.write(dir, List.of("red", "red")));
        assertThrows(IllegalArgumentException.class, () -> w.write(dir, List.of("<s>")));
        assertThrows(IllegalArgumentException.class, () -> w.write(dir, List.of("circle?")));
        assertThrows(IllegalArgumentException.class, () -> w.write(dir, List.of("two words")));
    }

    @Test
    void whitespaceSplitKeepsPunctuatedWords() throws IOException {
        List<String> words = new ArrayList<>(List.of("circle?", "red"));
        new WordLevelTokenizerWriter().splitPunctuation(false).write(dir, words);
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertArrayEquals(new int[] {6, 5}, t.encode("red circle?", false));
        }
    }

    @Test
    void malformedJsonIsReportedWithoutParserInternals() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith("cannot read tokenizer " + file + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("Source:") && !e.getMessage().contains("REDACTED"), e.getMessage());
    }
}
