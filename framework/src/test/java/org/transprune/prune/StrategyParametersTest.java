package org.transprune.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategyParametersTest {
    private static final List<ParameterSpec> SPECS = List.of(
            ParameterSpec.ints("layers", List.of(7, 9, 12), "layers"),
            ParameterSpec.doubles("ratios", List.of(0.5, 0.25), "ratios"));

    @Test
    void integerListsStayIntegers() {
        StrategyParameters p = StrategyParameters.bind("s", SPECS, Map.of());
        assertEquals(List.of(7, 9, 12), p.getInts("layers"));
        assertEquals(Integer.class, p.getInts("layers").get(0).getClass());
        StrategyParameters given = StrategyParameters.bind("s", SPECS, Map.of("layers", List.of(3L, 4)));
        assertEquals(List.of(3, 4), given.getInts("layers"));
    }

    @Test
    void numberListsWidenIntegers() {
        StrategyParameters p = StrategyParameters.bind("s", SPECS, Map.of("ratios", List.of(1, 0.5)));
        assertEquals(List.of(1.0, 0.5), p.getDoubles("ratios"));
    }

    @Test
    void aFractionalLayerIsRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> StrategyParameters.bind("s", SPECS, Map.of("layers", List.of(7.5))));
        assertTrue(e.getMessage().contains("'layers' must be an integer"), e.getMessage());
    }
}
