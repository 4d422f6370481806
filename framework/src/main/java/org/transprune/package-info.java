/** TransPrune Lab: visual-token pruning for LLaVA-style vision-language models on DJL. */
package org.transprune;
