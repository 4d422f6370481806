/**
 * The pruning-strategy SPI: a {@link org.transprune.prune.StrategyProvider} found through
 * {@link java.util.ServiceLoader} builds a {@link org.transprune.prune.PruningStrategy} from plain
 * parameters; the strategy declares its schedule and the signals it needs per layer, and at each
 * pruning point picks the image tokens to keep. {@link org.transprune.prune.StrategyRun} adapts a
 * strategy to the engine's hooks, so the engine computes only what the strategy asked for.
 * {@link org.transprune.prune.ParameterChecks} and {@link org.transprune.prune.SchedulePreset}
 * declare and check the parameters many strategies share, and the default schedule.
 */
package org.transprune.prune;
