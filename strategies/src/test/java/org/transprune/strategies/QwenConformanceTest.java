package org.transprune.strategies;

import org.transprune.conformance.QwenStrategyConformanceSuite;

/** The conformance suite over the built-in strategies and the test plug-in, on a tiny Qwen2.5-VL. */
class QwenConformanceTest extends QwenStrategyConformanceSuite {}
