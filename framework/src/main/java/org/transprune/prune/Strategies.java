package org.transprune.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The strategies registered on the class path, found with {@link ServiceLoader}. */
public final class Strategies {
    private Strategies() {}

    /** Every registered provider, sorted by name. */
    public static List<StrategyProvider> providers() {
        Map<String, StrategyProvider> byName = new LinkedHashMap<>();
        for (StrategyProvider p : ServiceLoader.load(StrategyProvider.class)) {
            StrategyProvider previous = byName.putIfAbsent(p.name(), p);
            if (previous != null && previous.getClass() != p.getClass()) {
                throw new IllegalStateException("two strategies are registered as '" + p.name() + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        List<StrategyProvider> list = new ArrayList<>(byName.values());
        list.sort(Comparator.comparing(StrategyProvider::name));
        return list;
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
