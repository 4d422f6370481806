package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Thousands of requests leave no native arrays behind and do not grow the process. */
class MemoryStabilityTest {

    @Test
    void nativeMemoryStaysFlatOverManyRequests() throws IOException {
        try (LlavaModel model = TinyModels.load(21)) {
            BaseNDManager weights = (BaseNDManager) model.manager();
            float[] pixels = TinyModels.pixels(model.config(), 1);
            // 150 text tokens: every activation is >= 38 KiB, so leaking one per request shows.
            int[] ids = TinyModels.prompt(3, 16, 150, 2);
            ForwardHooks hooks = new ForwardHooks(
                    new TransitionObserver() {
                        @Override
                        public boolean observesTransitions(int layer) {
                            return true;
                        }

                        @Override
                        public void onTransition(
                                int layer, SubLayer s, NDArray before, NDArray after, TokenLayout layout) {
                            before.norm(new int[] {-1}).toFloatArray();
                        }
                    },
                    null,
                    (layer, layout) -> layer == 2 ? new int[] {0, 4, 8} : null,
                    PositionPolicy.RENUMBER);
            for (int i = 0; i < 200; i++) {
                request(model, pixels, ids, hooks);
            }
            int arraysBefore = weights.getManagedArrays().size();
            long nativeBefore = settledNativeKiB(model, pixels, ids, hooks);
            for (int i = 0; i < 1500; i++) {
                request(model, pixels, ids, hooks);
            }
            long nativeAfter = settledNativeKiB(model, pixels, ids, hooks);
            assertEquals(arraysBefore, weights.getManagedArrays().size(), "arrays left in the model's manager");
            // glibc keeps freed blocks around (readings wobble by ~10 MiB); leaking one activation per
            // request (1500 x 38 KiB = 56 MiB) would exceed this bound.
            assertTrue(
                    nativeAfter - nativeBefore < 20 * 1024,
                    "native memory grew by " + (nativeAfter - nativeBefore) + " KiB");
        }
    }

    /** The lower of two readings 100 requests apart: allocator wobble only ever adds. */
    private static long settledNativeKiB(LlavaModel model, float[] pixels, int[] ids, ForwardHooks hooks)
            throws IOException {
        long first = nativeKiB();
        for (int i = 0; i < 100; i++) {
            request(model, pixels, ids, hooks);
        }
        return Math.min(first, nativeKiB());
    }

    private static void request(LlavaModel model, float[] pixels, int[] ids, ForwardHooks hooks) {
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(pixels, s.manager());
            s.prefill(ids, 3, image, null, hooks);
            s.decode(7);
            s.decode(8);
        }
    }

    /** Resident memory not committed to the Java heap or metaspace: libtorch's and glibc's share. */
    private static long nativeKiB() throws IOException {
        // Direct buffers DJL allocates for Java-created arrays are freed when their owners are
        // collected: collect first so that garbage awaiting GC is not mistaken for a leak.
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long jvm = mx.getHeapMemoryUsage().getCommitted()
                + mx.getNonHeapMemoryUsage().getCommitted();
        return rssKiB() - jvm / 1024;
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
