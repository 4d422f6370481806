/**
 * The experiment runner: YAML experiment files ({@link org.transprune.run.ExperimentFiles}) are
 * validated and expanded into a {@link org.transprune.run.SweepPlan}, which
 * {@link org.transprune.run.SweepRunner} executes into a resumable, shardable run directory of
 * append-only JSON-lines records with provenance.
 */
package org.transprune.run;
