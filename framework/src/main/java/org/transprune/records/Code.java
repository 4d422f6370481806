package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The code a configuration's strategy ran: its registered name, its version and the digest of its
 * compiled classes and the engine's version ({@link org.transprune.prune.StrategyCode}).
 *
 * @param name the strategy's registered name
 * @param version the plug-in's {@code Implementation-Version}, or "unversioned"
 * @param digest 16 hex digits; part of the configuration hash
 */
@JsonPropertyOrder({"name", "version", "digest"})
public record Code(String name, String version, String digest) {}
