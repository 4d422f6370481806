package org.transprune.prune;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.transprune.Versions;

/**
 * The identity of a strategy's code: which provider, its version, where it was loaded from and a
 * digest of its compiled classes together with the engine's version. Part of every configuration's
 * hash, so results of changed code are never taken for results of the old code.
 *
 * <p>The digest is the SHA-256, shown as its first 16 hex digits, of the text
 * {@code engine <framework version>\n} followed, for every class of the strategy in name order, by
 * {@code <binary class name> <SHA-256 of the .class bytes>\n}. The classes of the strategy are the
 * provider's class and the implementation's class plus, transitively, every class their class
 * files name (constant pool and type descriptors) that is loaded from the same code source (the
 * same jar or class folder): a jar's other strategies, the framework and libraries do not count.
 * The bytes are what the compiler wrote, with no file times, so rebuilding unchanged sources with
 * the same compiler gives the same digest; a changed line of a strategy's code (or a change that
 * moves its lines, which the debug tables record) gives another. Classes reached only by
 * reflection are not seen.
 *
 * @param name the registered strategy name
 * @param version the plug-in's version ({@code Implementation-Version} of its jar's manifest), or
 *     "unversioned"
 * @param digest 16 hex digits
 * @param source the jar or class folder the provider came from
 */
public record StrategyCode(String name, String version, String digest, String source) {

    private static final Map<List<Object>, StrategyCode> CACHE = new ConcurrentHashMap<>();
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z0-9_$/]+);");

    /** The identity of {@code provider}'s code and of the strategy it builds with its defaults. */
    public static StrategyCode of(StrategyProvider provider, PruningStrategy strategy) {
        Class<?> p = provider.getClass();
        Class<?> s = strategy == null ? p : strategy.getClass();
        return CACHE.computeIfAbsent(List.of(provider.name(), p, s), k -> compute(provider.name(), p, s));
    }

    /** The identity of {@code provider}'s code (its class and every class it reaches). */
    public static StrategyCode of(StrategyProvider provider) {
        return of(provider, null);
    }

    /**
     * The identity of a chain's code (docs/method.md#chaining): named {@code first+second}, its digest
     * the first 16 hex digits of the SHA-256 of {@code chain\n<first digest>\n<second digest>\n}, so a
     * change to either member's code is a new configuration.
     */
    public static StrategyCode chained(StrategyCode first, StrategyCode second) {
        String text = "chain\n" + first.digest() + "\n" + second.digest() + "\n";
        return new StrategyCode(
                first.name() + "+" + second.name(),
                first.version().equals(second.version()) ? first.version() : first.version() + "+" + second.version(),
                sha256(text.getBytes(StandardCharsets.UTF_8)).substring(0, 16),
                first.source().equals(second.source()) ? first.source() : first.source() + " + " + second.source());
    }

    /** e.g. {@code fastv 0.1.0-SNAPSHOT 3f2a...}. */
    public String describe() {
        return name + " " + version + " " + digest;
    }

    private static StrategyCode compute(String name, Class<?> provider, Class<?> implementation) {
        ClassLoader loader = provider.getClassLoader();
        String root = codeRoot(provider);
        Map<String, String> classes = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(internal(provider), internal(implementation)));
        Set<String> seen = new TreeSet<>();
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (!seen.add(c)) {
                continue;
            }
            URL url = loader.getResource(c + ".class");
            if (url == null || root == null || !url.toString().startsWith(root)) {
                continue;
            }
            byte[] bytes;
            try (InputStream in = open(url)) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + url + " for the code digest of '" + name + "'", e);
            }
            classes.put(c.replace('/', '.'), sha256(bytes));
            todo.addAll(referencedClasses(bytes));
        }
        StringBuilder text =
                new StringBuilder("engine ").append(Versions.project()).append('\n');
        classes.forEach((c, h) -> text.append(c).append(' ').append(h).append('\n'));
        String digest = sha256(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String version =
                provider.getPackage() == null ? null : provider.getPackage().getImplementationVersion();
        return new StrategyCode(
                name, version == null || version.isBlank() ? "unversioned" : version, digest, sourceOf(provider));
    }

    /** Reads past the JDK's cache of open jars, which would serve a replaced jar's old bytes. */
    private static InputStream open(URL url) throws IOException {
        URLConnection c = url.openConnection();
        c.setUseCaches(false);
        return c.getInputStream();
    }

    private static String internal(Class<?> c) {
        return c.getName().replace('.', '/');
    }

    /** The prefix every class resource of {@code c}'s code source starts with. */
    private static String codeRoot(Class<?> c) {
        URL url = c.getClassLoader() == null ? null : c.getClassLoader().getResource(internal(c) + ".class");
        if (url == null) {
            return null;
        }
        String s = url.toString();
        return s.substring(0, s.length() - (internal(c) + ".class").length());
    }

    /** The jar or class folder {@code c} was loaded from, as a path, or "unknown". */
    public static String sourceOf(Class<?> c) {
        String root = codeRoot(c);
        if (root == null) {
            return "unknown";
        }
        if (root.startsWith("jar:") && root.endsWith("!/")) {
            root = root.substring(4, root.length() - 2);
        }
        return root.startsWith("file:") ? root.substring(5) : root;
    }

    /** Internal names of the classes a class file names, in its constant pool or in descriptors. */
    static Set<String> referencedClasses(byte[] classFile) {
        Set<String> out = new TreeSet<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile))) {
            if (in.readInt() != 0xCAFEBABE) {
                return out;
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classNameIndex = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNameIndex[i] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    default -> {
                        return out; // an unknown constant: keep what was read
                    }
                }
            }
            for (int i = 1; i < count; i++) {
                if (classNameIndex[i] > 0 && utf8[classNameIndex[i]] != null) {
                    String n = utf8[classNameIndex[i]];
                    if (!n.startsWith("[")) {
                        out.add(n);
                    }
                }
                if (utf8[i] != null && utf8[i].indexOf(';') >= 0) {
                    Matcher m = DESCRIPTOR_TYPE.matcher(utf8[i]);
                    while (m.find()) {
                        out.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            // a truncated class file: keep what was read
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
