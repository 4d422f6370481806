package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResRules;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/** {@link TokenLayout#imageOrigins}: kept image tokens keep their origins through pruning steps. */
class TokenLayoutOriginsTest {

    @Test
    void originsFollowTheKeptTokensThroughTwoPruningSteps() {
        TokenOrigins origins = AnyRes.plan(300, 200, AnyRes.STANDARD_PINPOINTS, AnyResRules.HF, 336, 24, true)
                .origins();
        int prefix = 5;
        int n = origins.size();
        TokenLayout layout = TokenLayout.initial(prefix + n + 7, prefix, n);
        assertEquals(origins.all(), layout.imageOrigins(origins));

        // keep one base token, the first tile token and the first newline (original 3, 576, 612)
        TokenLayout once = layout.keep(new int[] {3, 576, 612, 1000});
        TokenLayout twice = once.keep(new int[] {0, 1, 2});
        List<TokenOrigin> kept = twice.imageOrigins(origins);
        assertEquals(3, kept.size());
        assertEquals(TokenOrigin.Kind.BASE, kept.get(0).kind());
        assertEquals(3, kept.get(0).column());
        assertEquals(TokenOrigin.Kind.TILE, kept.get(1).kind());
        assertEquals(TokenOrigin.Kind.NEWLINE, kept.get(2).kind());
        assertEquals(0, kept.get(2).row());
    }

    @Test
    void originsOfAnotherImageAreRefused() {
        TokenLayout layout = TokenLayout.initial(600, 2, 590);
        assertThrows(IllegalArgumentException.class, () -> layout.imageOrigins(TokenOrigins.singleView(24)));
    }
}
