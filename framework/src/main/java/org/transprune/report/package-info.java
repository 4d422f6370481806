/**
 * Reports for people. Tables and plots from a run directory: {@link org.transprune.report.RunResults}
 * reads the summary records into a Tablesaw table, {@link org.transprune.report.ResultTables}
 * builds the paper-style table and the ablation pivots, {@link org.transprune.report.TableWriters}
 * writes them as Markdown, CSV and HTML, and {@link org.transprune.report.ResultPlots} draws the
 * charts with XChart. What one request did and why: per-stage token scores as JSON
 * ({@link org.transprune.report.StageDump}) and kept-token heatmaps
 * ({@link org.transprune.report.KeptTokenHeatmap}).
 */
package org.transprune.report;
