package org.transprune.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Expected strings written out from llava/conversation.py's get_prompt(), by hand. */
class ChatTemplateTest {

    @Test
    void vicunaV1IsLlava15EvaluationPrompt() {
        assertEquals(
                "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                        + "helpful, detailed, and polite answers to the user's questions. USER: <image>\n"
                        + "What is shown? ASSISTANT:",
                ChatTemplate.VICUNA_V1.render("What is shown?", true));
        assertEquals(
                "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                        + "helpful, detailed, and polite answers to the user's questions. USER: Hi ASSISTANT:",
                ChatTemplate.VICUNA_V1.render("Hi", false));
    }

    @Test
    void llavaV1UsesTheHumanWording() {
        assertEquals(
                "A chat between a curious human and an artificial intelligence assistant. The assistant gives "
                        + "helpful, detailed, and polite answers to the human's questions. USER: <image>\nQ ASSISTANT:",
                ChatTemplate.LLAVA_V1.render("Q", true));
    }

    @Test
    void plainAndLlama2Styles() {
        assertEquals("<image>\nhow many shapes ?\n", ChatTemplate.PLAIN.render("how many shapes ?", true));
        assertEquals("[INST] <image>\nQ [/INST]", ChatTemplate.MISTRAL_INSTRUCT.render("Q", true));
        assertEquals(
                "[INST] <<SYS>>\nYou are a helpful language and vision assistant. You are able to understand "
                        + "the visual content that the user provides, and assist the user with a variety of tasks "
                        + "using natural language.\n<</SYS>>\n\n<image>\nQ [/INST]",
                ChatTemplate.LLAVA_LLAMA_2.render("Q", true));
    }

    @Test
    void lookupByLlavaName() {
        assertSame(ChatTemplate.VICUNA_V1, ChatTemplate.named("vicuna_v1"));
        assertSame(ChatTemplate.VICUNA_V1, ChatTemplate.named("v1"));
        assertSame(ChatTemplate.PLAIN, ChatTemplate.named(" Plain "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("chatml"));
        assertTrue(e.getMessage().contains("vicuna_v1"), e.getMessage());
    }
}
