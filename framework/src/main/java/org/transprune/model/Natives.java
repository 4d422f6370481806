package org.transprune.model;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Properties;

/**
 * Which libtorch natives the class path carries: DJL's CPU build bundled as a jar (the default build),
 * or none (the GPU build, where DJL downloads its CUDA build or uses {@code PYTORCH_LIBRARY_PATH}).
 */
public final class Natives {
    /** The resource DJL's native jars describe themselves with. */
    static final String DESCRIPTOR = "native/lib/pytorch.properties";

    private Natives() {}

    /** The bundled natives' descriptor (version, flavor, classifier), or null when none is bundled. */
    public static Properties bundled() {
        URL url = Natives.class.getClassLoader().getResource(DESCRIPTOR);
        if (url == null) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        p.setProperty("location", url.toString().replaceFirst("!/.*$", "").replaceFirst("^jar:", ""));
        return p;
    }

    /** Whether DJL's CPU libtorch is bundled, so nothing needs to be downloaded. */
    public static boolean cpuBundled() {
        Properties p = bundled();
        return p != null && "cpu".equals(p.getProperty("flavor"));
    }
}
