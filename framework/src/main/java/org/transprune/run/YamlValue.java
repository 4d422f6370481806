package org.transprune.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value that remembers where it was written (file and line), so validation can point at
 * the exact place of every problem even after {@code extends:} merged several files.
 */
public sealed interface YamlValue {

    /** The file the value was written in. */
    Path file();

    /** 1-based line of the value's first character. */
    int line();

    /** A plain Java value: Map, List, String, Integer/Long, Double, Boolean or null. */
    Object plain();

    /** Short name of the YAML kind, for messages. */
    String kind();

    /** A mapping; keys keep their own lines so an unknown key is reported where it stands. */
    record Mapping(Path file, int line, Map<String, YamlValue> entries, Map<String, Integer> keyLines)
            implements YamlValue {
        public Mapping {
            entries = new LinkedHashMap<>(entries);
            keyLines = new LinkedHashMap<>(keyLines);
        }

        public YamlValue get(String key) {
            return entries.get(key);
        }

        public int keyLine(String key) {
            Integer l = keyLines.get(key);
            return l == null ? line : l;
        }

        @Override
        public Object plain() {
            Map<String, Object> m = new LinkedHashMap<>();
            entries.forEach((k, v) -> m.put(k, v.plain()));
            return m;
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** A sequence. */
    record Sequence(Path file, int line, List<YamlValue> items) implements YamlValue {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public Object plain() {
            List<Object> l = new ArrayList<>();
            items.forEach(i -> l.add(i.plain()));
            return l;
        }

        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar, already typed by YAML's core rules (int, float, bool, null or string). */
    record Scalar(Path file, int line, Object value) implements YamlValue {
        @Override
        public Object plain() {
            return value;
        }

        @Override
        public String kind() {
            if (value == null) {
                return "null";
            }
            if (value instanceof String) {
                return "a string";
            }
            if (value instanceof Boolean) {
                return "a boolean";
            }
            return "a number";
        }
    }
}
