package org.transprune.records;

/** One line of {@code results.jsonl}: a {@link SampleRecord} or a {@link SummaryRecord}, told apart by {@code type}. */
public sealed interface RunRecord permits SampleRecord, SummaryRecord {
    /** {@code "sample"} or {@code "summary"}. */
    String type();

    /** The configuration's hash. */
    String config();

    /** The benchmark's label. */
    String benchmark();

    /** Where the record came from. */
    RecordProvenance provenance();
}
