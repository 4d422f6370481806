/**
 * Image side of a LLaVA prompt: reading PNG/JPEG files as RGB, the CLIP image processor of
 * LLaVA-1.5 (pad to square with the mean colour, PIL-exact bicubic resize, centre crop, rescale,
 * normalise) producing the {@code pixel_values} the vision tower takes, and LLaVA-NeXT's AnyRes
 * geometry (views, tiles, unpadded grid, token origins).
 */
package org.transprune.image;
