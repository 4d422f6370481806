package org.transprune.run;

import java.io.PrintStream;
import java.util.List;

/**
 * What a run writes before its sweep starts, outside its run directory: today the synthetic splits
 * that benchmark entries ask to {@code generate:}. Validating an experiment writes nothing; {@code
 * transprune run} calls {@link #prepare} after validation and before the sweep, and a dry run only
 * {@link #pending() lists} the steps.
 */
public final class RunPreparation {
    private final List<SynthGeneration> generations;

    RunPreparation(List<SynthGeneration> generations) {
        this.generations = List.copyOf(generations);
    }

    /** Nothing to prepare. */
    public static RunPreparation none() {
        return new RunPreparation(List.of());
    }

    /** One line per step that still has to run, e.g. for a dry run. */
    public List<String> pending() {
        return generations.stream()
                .filter(g -> !g.present())
                .map(g -> "generates the synthetic " + g.split().label() + " split (seed " + g.seed() + ", "
                        + g.images() + " images) in " + g.root())
                .toList();
    }

    /**
     * Runs every step not done yet, saying what it wrote on {@code out}.
     *
     * @throws java.io.UncheckedIOException or IllegalArgumentException naming the directory that
     *     could not be written
     */
    public void prepare(PrintStream out) {
        for (SynthGeneration g : generations) {
            if (g.prepare()) {
                out.println("generated the synthetic " + g.split().label() + " split in " + g.root());
            }
        }
    }
}
