package org.transprune.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptEncoderTest {

    static final String QUESTION = "what color is the square ?";
    static final int IMAGE_ID = 4;

    @TempDir
    Path dir;

    List<String> words;
    Tokenizer tokenizer;

    @BeforeEach
    void writeTokenizer() throws IOException {
        // every word of the vicuna system text and of the question, lower-cased, split like the
        // Rust Whitespace pre-tokenizer (\w+|[^\w\s]+)
        Set<String> vocab = new LinkedHashSet<>();
        vocab.addAll(split(ChatTemplate.VICUNA_V1.render(QUESTION, false)));
        words = new ArrayList<>(vocab);
        new WordLevelTokenizerWriter().lowercase(true).write(dir, words);
        tokenizer = Tokenizer.load(dir);
    }

    @AfterEach
    void close() {
        tokenizer.close();
    }

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\w+|[^\\w\\s]+").matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    int[] expectedIds(String text) {
        return split(text).stream().mapToInt(w -> words.indexOf(w) + 5).toArray();
    }

    @Test
    void plainPromptPutsTheImageAfterBos() {
        PromptTokens p = PromptEncoder.encode(tokenizer, ChatTemplate.PLAIN, QUESTION, 6, 100);
        int[] q = expectedIds(QUESTION);
        int[] expected = new int[1 + 6 + q.length];
        expected[0] = 1;
        for (int i = 1; i <= 6; i++) {
            expected[i] = IMAGE_ID;
        }
        System.arraycopy(q, 0, expected, 7, q.length);
        assertArrayEquals(expected, p.ids());
        assertEquals(1, p.imageStart());
        assertEquals(6, p.imageLength());
        assertEquals(7, p.textAfterImageStart());
        assertEquals(7 + q.length, p.length());
        assertTrue(p.hasImage());
    }

    @Test
    void vicunaPromptSplitsAroundTheImage() {
        PromptTokens p = PromptEncoder.encode(tokenizer, ChatTemplate.VICUNA_V1, QUESTION, 576, 2048, 64);
        int[] prefix = expectedIds(ChatTemplate.VICUNA_V1.system() + " USER:");
        int[] suffix = expectedIds(QUESTION + " ASSISTANT:");
        assertEquals(1 + prefix.length, p.imageStart());
        assertEquals(576, p.imageLength());
        int[] ids = p.ids();
        assertEquals(1, ids[0]);
        for (int i = 0; i < prefix.length; i++) {
            assertEquals(prefix[i], ids[1 + i], "prefix token " + i);
        }
        for (int i = p.imageStart(); i < p.textAfterImageStart(); i++) {
            assertEquals(IMAGE_ID, ids[i]);
        }
        int[] tail = Arrays.copyOfRange(ids, p.textAfterImageStart(), ids.length);
        // no second BOS after the image
        assertArrayEquals(suffix, tail);
        for (int id : ids) {
            assertTrue(id != 0, "every word is in the vocabulary, no <unk> expected");
        }
    }

    @Test
    void promptWithoutImage() {
        PromptTokens p = PromptEncoder.encode(tokenizer, ChatTemplate.PLAIN, QUESTION, 0, 100);
        assertFalse(p.hasImage());
        assertEquals(p.length(), p.imageStart());
        assertEquals(p.length(), p.textAfterImageStart());
        assertEquals(1 + split(QUESTION).size(), p.length());
    }

    @Test
    void tooLongPromptReportsTheCounts() {
        int text = 1 + split(QUESTION).size(); // BOS + question
        PromptEncoder.encode(tokenizer, ChatTemplate.PLAIN, QUESTION, 10, text + 10 + 5, 5); // fits exactly
        PromptTooLongException e = assertThrows(
                PromptTooLongException.class,
                () -> PromptEncoder.encode(tokenizer, ChatTemplate.PLAIN, QUESTION, 10, text + 10 + 5, 6));
        assertTrue(e.getMessage().contains(text + " text tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("10 image tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("6 new tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("context of " + (text + 15)), e.getMessage());
    }

    @Test
    void severalImagesAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PromptEncoder.encode(tokenizer, ChatTemplate.PLAIN, "<image> and " + QUESTION, 4, 100));
        assertTrue(e.getMessage().contains("2 <image>"), e.getMessage());
    }

    @Test
    void explicitPlaceholderIdAndPromptWithoutTemplate() {
        PromptTokens p = PromptEncoder.encodePrompt(tokenizer, "square <image> color", 3, 100, 0, 0);
        assertArrayEquals(new int[] {1, words.indexOf("square") + 5, 0, 0, 0, words.indexOf("color") + 5}, p.ids());
        assertThrows(
                IllegalArgumentException.class,
                () -> PromptEncoder.encodePrompt(tokenizer, "square color", 3, 100, 0, 0));
    }
}
