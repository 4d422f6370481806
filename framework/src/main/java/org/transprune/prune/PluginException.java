package org.transprune.prune;

/** A strategy plug-in that does not load, or a strategy name registered twice: one line saying which and why. */
public final class PluginException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PluginException(String message) {
        super(message);
    }
}
