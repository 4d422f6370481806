/**
 * Reports for people. Tables and plots from a run directory: {@link org.transprune.report.RunResults}
 * reads the summary records into a Tablesaw table (and the per-question-type details of the
 * synthetic benchmark into another), {@link org.transprune.report.ResultTables} builds the
 * paper-style table, the ablation pivots and the accuracy and selection recall by question type,
 * {@link org.transprune.report.TableWriters} writes them as Markdown, CSV and HTML,
 * {@link org.transprune.report.ResultPlots} draws the charts with XChart and
 * {@link org.transprune.report.KeptTokenFigure} what each method kept of a few samples' images;
 * {@link org.transprune.report.RunReport} writes all of it for {@code transprune table} and a
 * finished {@code transprune run}. What one request did and why: per-stage token scores as JSON
 * ({@link org.transprune.report.StageDump}) and kept-token heatmaps
 * ({@link org.transprune.report.KeptTokenHeatmap}).
 */
package org.transprune.report;
