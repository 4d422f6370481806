/**
 * Model configurations: the shapes of the vision tower, projector and decoder as plain immutable
 * records, and named presets of the real checkpoints, usable without loading any weights.
 */
package org.transprune.config;
