/**
 * The experiment runner: YAML experiment files ({@link org.transprune.run.ExperimentFiles}) are
 * validated and expanded into a {@link org.transprune.run.SweepPlan} by
 * {@link org.transprune.run.ExperimentParser} (one small reader per section), writing nothing; a
 * {@link org.transprune.run.RunPreparation} writes the data a run generates, and
 * {@link org.transprune.run.SweepRunner} executes the plan into a resumable, shardable run
 * directory of append-only JSON-lines records with provenance.
 */
package org.transprune.run;
