package org.transprune.prune;

import java.util.List;

/**
 * Plug-in contract: one provider per strategy, listed in
 * {@code META-INF/services/org.transprune.prune.StrategyProvider}. The framework never names an
 * implementation.
 */
public interface StrategyProvider {

    /** Unique registered name, as used in experiment files ({@code transprune}, {@code fastv}, ...). */
    String name();

    /** One line saying what the strategy does. */
    String description();

    /** Every parameter the strategy accepts, with its default. */
    List<ParameterSpec> parameters();

    /**
     * Builds the strategy. {@code parameters} holds only declared keys, typed and defaulted
     * (see {@link StrategyParameters#bind}); the provider checks value ranges and schedules and
     * throws {@link IllegalArgumentException} naming the parameter.
     */
    PruningStrategy create(StrategyParameters parameters);
}
