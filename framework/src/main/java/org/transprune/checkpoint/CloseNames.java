package org.transprune.checkpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Suggestions for a tensor name that was not found: the stored names that look most like it. */
final class CloseNames {
    private CloseNames() {}

    /** Up to {@code max} names of {@code candidates} close to {@code wanted}, closest first. */
    static List<String> of(String wanted, Collection<String> candidates, int max) {
        record Scored(String name, int distance) {}
        // Prefix schemes differ between exporters (model. vs language_model.model.), so a shared
        // tail counts as close as well as a small edit distance.
        int limit = Math.max(2, wanted.length() / 5);
        List<Scored> close = new ArrayList<>();
        for (String c : candidates) {
            int d = distance(wanted, c, limit);
            if (d <= limit) {
                close.add(new Scored(c, d));
            } else if (sameTail(wanted, c)) {
                close.add(new Scored(c, limit + 1));
            }
        }
        close.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return close.stream().limit(max).map(Scored::name).toList();
    }

    /** The message of a missing-tensor error, with suggestions when there are any. */
    static MissingTensorException missing(String name, String where, Collection<String> candidates) {
        List<String> close = of(name, candidates, 3);
        return new MissingTensorException("tensor '" + name + "' not found in " + where
                + (close.isEmpty() ? "" : "; close matches: " + String.join(", ", close)));
    }

    private static boolean sameTail(String a, String b) {
        if (a.endsWith("." + b) || b.endsWith("." + a)) {
            return true;
        }
        String ta = tail(a);
        return ta.length() > 12 && ta.equals(tail(b));
    }

    /** The name without its first two dot-separated components. */
    private static String tail(String name) {
        int first = name.indexOf('.');
        int second = first < 0 ? -1 : name.indexOf('.', first + 1);
        return second < 0 ? name : name.substring(second + 1);
    }

    /** Levenshtein distance, giving up (returning limit + 1) once it must exceed {@code limit}. */
    private static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > limit) {
                return limit + 1;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
