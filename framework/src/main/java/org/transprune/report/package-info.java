/**
 * Reports for people: what a run did and why, as JSON and images (per-stage token scores, kept
 * token heatmaps).
 */
package org.transprune.report;
