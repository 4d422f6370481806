package org.transprune.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.transprune.bench.Benchmark;
import org.transprune.synth.Frame;
import org.transprune.synth.Split;
import org.transprune.synth.SynthBenchmark;
import org.transprune.synth.SynthDataset;
import org.transprune.synth.Vocabulary;

/**
 * A benchmark entry's {@code generate: {seed, images, questions_per_image, split, blank, frames}}: the
 * synthetic split to write into {@code root} before the run when it is not there yet, so a fresh
 * clone can run the default experiment. Read while the experiment is validated; written only by
 * {@link RunPreparation}, never while parsing.
 *
 * @param root the dataset directory the benchmark reads
 * @param seed the generator's seed
 * @param images how many images
 * @param questionsPerImage questions per image
 * @param split which stream of the seed
 * @param blank background-only images (see {@link SynthDataset})
 * @param frames the image frames, image i in {@code frames[i mod size]} ({@code "336x168,168x336,336x336"}
 *     in the file; default the square 336 px one)
 */
record SynthGeneration(
        Path root, int seed, int images, int questionsPerImage, Split split, boolean blank, List<Frame> frames) {
    static final Set<String> KEYS = Set.of("seed", "images", "questions_per_image", "split", "blank", "frames");

    /** The recipe of {@code m}'s {@code generate:}, or null (with a problem) when it cannot be used. */
    static SynthGeneration read(YamlValue.Mapping m, String key, Benchmark b, Path root, YamlChecks checks) {
        String where = key + ".generate";
        if (!(b instanceof SynthBenchmark)) {
            checks.problem(m.get("generate"), where, "only the synth benchmark can be generated");
            return null;
        }
        if (!(m.get("generate") instanceof YamlValue.Mapping g)) {
            checks.problem(
                    m.get("generate"), where, "must be a mapping {seed, images, questions_per_image, split, blank}");
            return null;
        }
        checks.unknownKeys(g, where, KEYS);
        Integer seed = checks.integer(g.get("seed"), where + ".seed", 1);
        Integer images = checks.atLeast(g.get("images"), where + ".images", 500, 1);
        Integer perImage = checks.atLeast(g.get("questions_per_image"), where + ".questions_per_image", 2, 1);
        String splitName = checks.string(g, "split", where + ".split", "test");
        Boolean blank = checks.bool(g.get("blank"), where + ".blank", false);
        String framesText = checks.string(g, "frames", where + ".frames", Frame.DEFAULT.toString());
        List<Frame> frames = null;
        if (framesText != null) {
            try {
                frames = Frame.parseList(framesText);
            } catch (IllegalArgumentException e) {
                checks.problem(g.get("frames"), where + ".frames", e.getMessage());
            }
        }
        Split split = null;
        if (splitName != null) {
            try {
                split = Split.ofLabel(splitName);
            } catch (IllegalArgumentException e) {
                checks.problem(
                        g.get("split"),
                        where + ".split",
                        "must be one of "
                                + String.join(
                                        ", ",
                                        Arrays.stream(Split.values())
                                                .map(Split::label)
                                                .toList())
                                + ", got '" + splitName + "'");
            }
        }
        if (root == null) {
            checks.problem(m, key + ".root", "generate: needs a root: directory to write the split into");
            return null;
        }
        if (seed == null || images == null || perImage == null || split == null || blank == null || frames == null) {
            return null;
        }
        return new SynthGeneration(root, seed, images, perImage, split, blank, frames);
    }

    /** Whether the split is on disk already (its question file exists). */
    boolean present() {
        return Files.exists(root.resolve(SynthDataset.QUESTIONS));
    }

    /**
     * Writes the split unless it is present. It is written beside {@code root} and moved into place
     * at once, so an interrupted generation leaves no partial split for the next run to read.
     *
     * @return whether it wrote the split
     * @throws UncheckedIOException when the split cannot be written
     * @throws IllegalArgumentException when {@code root} holds other files but no split
     */
    boolean prepare() {
        if (present()) {
            return false;
        }
        Path parent = root.toAbsolutePath().getParent();
        Path staging = parent.resolve("." + root.getFileName() + ".generating-"
                + ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
            deleteTree(staging);
            SynthDataset.write(
                    staging,
                    seed,
                    images,
                    questionsPerImage,
                    split,
                    Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX,
                    blank,
                    frames);
            if (Files.isDirectory(root) && isEmpty(root)) {
                Files.delete(root);
            }
            try {
                Files.move(staging, root, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staging, root);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another process (a shard on the same file system) wrote it first: use that one.
                deleteTree(staging);
                if (!present()) {
                    throw new IllegalArgumentException(
                            root + " holds files but no " + SynthDataset.QUESTIONS + "; remove it to regenerate");
                }
                return false;
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("could not generate the synthetic split in " + root + ": " + e, e);
        } finally {
            try {
                deleteTree(staging);
            } catch (IOException e) {
                // Left over staging is harmless: the next generation removes it first.
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
