/**
 * A synthetic visual question-answering benchmark: seeded scenes of coloured shapes on a grey 336 px
 * frame, single-word questions whose answers need the image (existence, colour, count, absolute
 * position, relation), the boxes and pixel masks of the objects each question depends on (so the
 * relevant patches can be derived for any patch grid), a writer for the LLaVA evaluation layout and
 * an in-memory sampler for training.
 *
 * <p>Everything is a pure function of the seed: {@link java.util.SplittableRandom} streams, integer
 * or exactly representable arithmetic, and an own rasteriser instead of {@code Graphics2D}, so pixels
 * and questions are identical on every JVM and platform.
 */
package org.transprune.synth;
