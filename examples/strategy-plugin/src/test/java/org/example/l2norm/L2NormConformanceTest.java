package org.example.l2norm;

import org.transprune.conformance.StrategyConformanceSuite;

/** The lab's conformance suite, run against every strategy of this project (here: l2norm). */
class L2NormConformanceTest extends StrategyConformanceSuite {}
