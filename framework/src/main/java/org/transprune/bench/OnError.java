package org.transprune.bench;

/** What to do with a data problem (bad line, missing image, unknown question id). */
public enum OnError {
    /** Leave the item out, count it and list it in the result. */
    SKIP,
    /** Stop with a {@link BenchmarkDataException} naming the file and line. */
    FAIL;

    /** Parses {@code skip} / {@code fail} (case-insensitive). */
    public static OnError parse(String s) {
        for (OnError e : values()) {
            if (e.name().equalsIgnoreCase(s.trim())) {
                return e;
            }
        }
        throw new IllegalArgumentException("on-error must be skip or fail, not '" + s + "'");
    }
}
