package org.transprune.run;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads experiment files into {@link YamlValue} trees that keep file and line of every value.
 *
 * <p>{@code extends: parent.yaml} (a path relative to the file that says it, or a list of them,
 * later ones winning) inherits another file. Override semantics: mappings merge key by key,
 * recursively, the inheriting file winning; any other value (a list, a scalar) in the inheriting
 * file replaces the parent's value as a whole. So a child that lists {@code strategies:} replaces
 * the parent's list, while a child that sets {@code model: {device: gpu}} keeps the parent's
 * {@code model.path}.
 *
 * <p>{@code ${NAME}} inside a string is replaced by the environment variable NAME; an unset
 * variable leaves an {@link UnsetVariable} that the validator reports where it is used.
 */
public final class ExperimentFiles {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final Function<String, String> environment;
    private final List<ExperimentProblem> problems = new ArrayList<>();
    private final ScalarTyping typing = new ScalarTyping();

    /**
     * A string that named an environment variable which is not set.
     *
     * @param variable the variable's name
     * @param text the text as written
     */
    public record UnsetVariable(String variable, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** @param environment looks up environment variables (System::getenv outside tests) */
    public ExperimentFiles(Function<String, String> environment) {
        this.environment = environment;
    }

    /** Problems met while reading (syntax, missing parents, cycles). */
    public List<ExperimentProblem> problems() {
        return List.copyOf(problems);
    }

    /**
     * The merged document of {@code file} and its parents, or null when it could not be read
     * (see {@link #problems()}).
     */
    public YamlValue.Mapping load(Path file) {
        Path f = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(f)) {
            problems.add(new ExperimentProblem(f, 0, "", "experiment file not found: " + f));
            return null;
        }
        return load(f, new ArrayList<>());
    }

    /**
     * {@code file} merged with its parents; {@code chain} holds the files whose {@code extends:}
     * led here, so a cycle is reported at the {@code extends:} entry that closes it.
     */
    private YamlValue.Mapping load(Path file, List<Path> chain) {
        YamlValue root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Node node = new Yaml().compose(r);
            root = node == null ? new YamlValue.Mapping(file, 1, Map.of(), Map.of()) : convert(file, node);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            problems.add(new ExperimentProblem(file, line, "", "not valid YAML: " + e.getProblem()));
            return null;
        } catch (YAMLException | IOException e) {
            problems.add(new ExperimentProblem(file, 0, "", "cannot read: " + YamlChecks.oneLine(e)));
            return null;
        }
        if (!(root instanceof YamlValue.Mapping doc)) {
            problems.add(new ExperimentProblem(
                    file,
                    root.line(),
                    "",
                    "an experiment file must be a mapping of keys" + " (model:, benchmarks:, strategies:, ...), got "
                            + root.kind()));
            return null;
        }
        YamlValue ext = doc.get("extends");
        if (ext == null) {
            return doc;
        }
        List<YamlValue> parents = ext instanceof YamlValue.Sequence s ? s.items() : List.of(ext);
        List<Path> nextChain = new ArrayList<>(chain);
        nextChain.add(file);
        YamlValue.Mapping merged = null;
        for (YamlValue p : parents) {
            if (!(p instanceof YamlValue.Scalar sc) || !(sc.value() instanceof String name)) {
                problems.add(new ExperimentProblem(
                        file,
                        p.line(),
                        "extends",
                        "must be a file path (or a list of them), got " + p.kind()
                                + (p instanceof YamlValue.Scalar sc2 && sc2.value() instanceof UnsetVariable u
                                        ? " (environment variable " + u.variable() + " is not set)"
                                        : "")));
                continue;
            }
            Path parentFile = file.getParent().resolve(name).normalize();
            YamlValue.Mapping parent = null;
            if (nextChain.contains(parentFile)) {
                List<String> cycle = new ArrayList<>();
                nextChain
                        .subList(nextChain.indexOf(parentFile), nextChain.size())
                        .forEach(f -> cycle.add(f.getFileName().toString()));
                cycle.add(parentFile.getFileName().toString());
                problems.add(new ExperimentProblem(
                        file, p.line(), "extends", "inheritance cycle: " + String.join(" -> ", cycle)));
            } else if (!Files.isRegularFile(parentFile)) {
                problems.add(
                        new ExperimentProblem(file, p.line(), "extends", "experiment file not found: " + parentFile));
            } else {
                parent = load(parentFile, nextChain);
            }
            if (parent != null) {
                merged = merged == null ? parent : (YamlValue.Mapping) merge(merged, parent);
            }
        }
        Map<String, YamlValue> own = new LinkedHashMap<>(doc.entries());
        own.remove("extends");
        Map<String, Integer> ownLines = new LinkedHashMap<>(doc.keyLines());
        ownLines.remove("extends");
        YamlValue.Mapping child = new YamlValue.Mapping(file, doc.line(), own, ownLines);
        return merged == null ? child : (YamlValue.Mapping) merge(merged, child);
    }

    /** {@code override} on top of {@code base}: mappings merge recursively, anything else is replaced. */
    static YamlValue merge(YamlValue base, YamlValue override) {
        if (base instanceof YamlValue.Mapping b && override instanceof YamlValue.Mapping o) {
            Map<String, YamlValue> entries = new LinkedHashMap<>(b.entries());
            Map<String, Integer> lines = new LinkedHashMap<>(b.keyLines());
            o.entries().forEach((k, v) -> {
                YamlValue prev = entries.get(k);
                entries.put(k, prev == null ? v : merge(prev, v));
                lines.put(k, o.keyLine(k));
            });
            return new YamlValue.Mapping(o.file(), o.line(), entries, lines);
        }
        return override;
    }

    private YamlValue convert(Path file, Node node) {
        int line = node.getStartMark().getLine() + 1;
        if (node instanceof MappingNode m) {
            Map<String, YamlValue> entries = new LinkedHashMap<>();
            Map<String, Integer> lines = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Node k = t.getKeyNode();
                int keyLine = k.getStartMark().getLine() + 1;
                if (!(k instanceof ScalarNode ks)) {
                    problems.add(new ExperimentProblem(file, keyLine, "", "keys must be plain words"));
                    continue;
                }
                String key = ks.getValue();
                if (entries.containsKey(key)) {
                    problems.add(new ExperimentProblem(
                            file, keyLine, key, "duplicate key (first at line " + lines.get(key) + ")"));
                    continue;
                }
                entries.put(key, convert(file, t.getValueNode()));
                lines.put(key, keyLine);
            }
            return new YamlValue.Mapping(file, line, entries, lines);
        }
        if (node instanceof SequenceNode s) {
            List<YamlValue> items = new ArrayList<>();
            for (Node n : s.getValue()) {
                items.add(convert(file, n));
            }
            return new YamlValue.Sequence(file, line, items);
        }
        Object value = typing.construct(node);
        if (value instanceof String str) {
            value = interpolate(str);
        }
        return new YamlValue.Scalar(file, line, value);
    }

    private Object interpolate(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = environment.apply(m.group(1));
            if (v == null || v.isEmpty()) {
                return new UnsetVariable(m.group(1), text);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** YAML's own scalar typing (ints, floats, booleans, null), exposed for single nodes. */
    private static final class ScalarTyping extends SafeConstructor {
        ScalarTyping() {
            super(new LoaderOptions());
        }

        Object construct(Node node) {
            return constructObject(node);
        }
    }
}
