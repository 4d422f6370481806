package org.transprune.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Tensors of one or more sources under new names: each source's names go through a renaming function
 * and tensors it maps to {@code null} are hidden. This is how checkpoints of different layouts (and a
 * vision tower kept in another directory) appear to the engine under one canonical naming. Closing it
 * closes the sources.
 */
public final class RenamedTensorSource implements TensorSource {
    private record Target(TensorSource source, String name) {}

    private final String description;
    private final Map<String, Target> targets;
    private final List<TensorSource> sources;

    private RenamedTensorSource(String description, Map<String, Target> targets, List<TensorSource> sources) {
        this.description = description;
        this.targets = Collections.unmodifiableMap(targets);
        this.sources = List.copyOf(sources);
    }

    /** Starts a source described as {@code description} in error messages. */
    public static Builder builder(String description) {
        return new Builder(description);
    }

    /** Collects sources and their renamings. */
    public static final class Builder {
        private final String description;
        private final Map<String, Target> targets = new LinkedHashMap<>();
        private final List<TensorSource> sources = new ArrayList<>();

        private Builder(String description) {
            this.description = description;
        }

        /**
         * Adds every tensor of {@code source} whose new name {@code rename} gives (null hides it).
         *
         * @throws CheckpointException when two tensors would get the same name
         */
        public Builder add(TensorSource source, Function<String, String> rename) {
            sources.add(source);
            for (String original : source.names()) {
                String name = rename.apply(original);
                if (name == null) {
                    continue;
                }
                Target previous = targets.putIfAbsent(name, new Target(source, original));
                if (previous != null) {
                    throw new CheckpointException(description + ": both '" + previous.name + "' in "
                            + previous.source.describe() + " and '" + original + "' in " + source.describe()
                            + " map to tensor '" + name + "'");
                }
            }
            return this;
        }

        public RenamedTensorSource build() {
            return new RenamedTensorSource(description, targets, sources);
        }
    }

    /** The name under which {@code name} is stored in its source. */
    public String originalName(String name) {
        return target(name).name;
    }

    private Target target(String name) {
        Target t = targets.get(name);
        if (t == null) {
            throw CloseNames.missing(name, describe(), targets.keySet());
        }
        return t;
    }

    @Override
    public Set<String> names() {
        return targets.keySet();
    }

    @Override
    public boolean contains(String name) {
        return targets.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        Target t = target(name);
        TensorInfo stored = t.source.info(t.name);
        return new TensorInfo(name, stored.type(), stored.shape(), stored.file(), stored.offset());
    }

    @Override
    public ByteBuffer bytes(String name) {
        Target t = target(name);
        return t.source.bytes(t.name);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TensorSource s : sources) {
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
