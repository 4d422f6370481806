/**
 * The strategy conformance suite, published in the framework's test-jar: extend
 * {@link org.transprune.conformance.StrategyConformanceSuite} to run it against the strategies on
 * your test class path.
 */
package org.transprune.conformance;
