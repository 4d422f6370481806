/**
 * The records of a run directory: the typed sample and summary records of {@code results.jsonl}, the append-only
 * log that holds them and the lock that gives a run directory a single writer.
 */
package org.transprune.records;
