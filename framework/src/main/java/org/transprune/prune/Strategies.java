package org.transprune.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The strategies registered on the class path and on the plug-in path ({@link Plugins}), found
 * with {@link ServiceLoader}.
 */
public final class Strategies {
    private Strategies() {}

    /**
     * Every registered provider, sorted by name.
     *
     * @throws PluginException one line when a plug-in's provider cannot be loaded or two
     *     providers register the same name
     */
    public static List<StrategyProvider> providers() {
        Map<String, StrategyProvider> byName = new LinkedHashMap<>();
        Iterator<StrategyProvider> it =
                ServiceLoader.load(StrategyProvider.class, Plugins.loader()).iterator();
        while (true) {
            StrategyProvider p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                throw new PluginException("a strategy plug-in does not load: " + oneLine(e)
                        + (Plugins.entries().isEmpty() ? "" : " (plug-in path: " + Plugins.entries() + ")"));
            }
            StrategyProvider previous = byName.putIfAbsent(p.name(), p);
            if (previous != null && previous.getClass() != p.getClass()) {
                throw new PluginException("strategy '" + p.name() + "' is registered twice: by "
                        + previous.getClass().getName() + " (" + StrategyCode.sourceOf(previous.getClass())
                        + ") and by "
                        + p.getClass().getName() + " (" + StrategyCode.sourceOf(p.getClass()) + ")");
            }
        }
        List<StrategyProvider> list = new ArrayList<>(byName.values());
        list.sort(Comparator.comparing(StrategyProvider::name));
        return list;
    }

    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
            sb.append(": ").append(c.getClass().getSimpleName()).append(' ').append(c.getMessage());
        }
        return sb.toString().replace('\n', ' ');
    }

    /** Registered names, sorted. */
    public static List<String> names() {
        return providers().stream().map(StrategyProvider::name).toList();
    }

    /**
     * The provider registered as {@code name}.
     *
     * @throws IllegalArgumentException listing the registered names when there is none
     */
    public static StrategyProvider provider(String name) {
        for (StrategyProvider p : providers()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "unknown strategy '" + name + "' (registered: " + String.join(", ", names()) + ")");
    }

    /** Binds {@code parameters} and builds the strategy. */
    public static PruningStrategy create(String name, Map<String, ?> parameters) {
        StrategyProvider p = provider(name);
        return p.create(StrategyParameters.bind(name, p.parameters(), parameters));
    }
}
