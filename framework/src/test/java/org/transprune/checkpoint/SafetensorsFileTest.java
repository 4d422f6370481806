package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** Values that exercise rounding, subnormals, infinities and NaN in every format. */
    static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-9, 6)));
        }
        float[] special = {
            0f,
            -0f,
            1f,
            65504f,
            65520f,
            0x1p-24f,
            0x1p-25f,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE,
            Float.MAX_VALUE,
            1 + 0x1p-11f,
            -1e-8f
        };
        System.arraycopy(special, 0, v, 0, Math.min(n, special.length));
        return v;
    }

    /** The bits a reader must find for {@code v} stored as {@code type}. */
    static int expectedBits(float v, TensorType type) {
        return switch (type) {
            case F32 -> Float.floatToRawIntBits(v);
            case F16 -> Narrowing.toFloat16(v) & 0xFFFF;
            default -> Narrowing.toBfloat16(v) & 0xFFFF;
        };
    }

    static void assertStored(float[] expected, TensorType type, ByteBuffer bytes) {
        assertEquals(expected.length * (long) type.bytes(), bytes.remaining());
        assertEquals(0, bytes.position());
        assertEquals(ByteOrder.LITTLE_ENDIAN, bytes.order());
        for (int i = 0; i < expected.length; i++) {
            int found = type == TensorType.F32 ? bytes.getInt(i * 4) : bytes.getShort(i * 2) & 0xFFFF;
            assertEquals(expectedBits(expected[i], type), found, "element " + i + " (" + expected[i] + ")");
        }
    }

    @Test
    void roundTripsEveryFloatTypeBitExactly() throws IOException {
        float[] a = values(1000, 1);
        float[] b = values(6, 2);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
            w.add("a." + t, a, t, 10, 100).add("b." + t, b, t, 2, 3);
        }
        ByteBuffer longs = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(7)
                .putLong(-3)
                .flip();
        w.addRaw("ids", TensorType.I64, new long[] {2}, longs);
        Path file = dir.resolve("m.safetensors");
        w.write(file);

        byte[] raw = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        assertEquals(' ', raw[(int) (8 + headerLen - 1)], "padding is spaces");

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(7, f.names().size());
            for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
                assertEquals(t, f.info("a." + t).type());
                assertArrayEquals(new long[] {10, 100}, f.info("a." + t).shape());
                assertStored(a, t, f.bytes("a." + t));
                assertStored(b, t, f.bytes("b." + t));
                assertTrue(f.bytes("a." + t).isReadOnly());
            }
            assertEquals(-3, f.bytes("ids").getLong(8));
        }
    }

    @Test
    void widensToTheExactFloatValues() {
        float[] v = values(300, 3);
        SafetensorsWriter w = new SafetensorsWriter();
        for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
            w.add("x." + t, v, t, 3, 100);
        }
        Path file = dir.resolve("w.safetensors");
        w.write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file);
                NDManager m = NDManager.newBaseManager()) {
            for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
                NDArray x = f.fp32("x." + t, m, 3, 100);
                float[] got = x.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    float want = switch (t) {
                        case F32 -> v[i];
                        case F16 -> Narrowing.fromFloat16(Narrowing.toFloat16(v[i]));
                        default -> Narrowing.fromBfloat16(Narrowing.toBfloat16(v[i]));
                    };
                    if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(got[i]), t + " element " + i);
                    } else {
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), t + " element " + i);
                    }
                }
            }
            CheckpointException e = assertThrows(CheckpointException.class, () -> f.fp32("x.F32", m, 100, 3));
            assertTrue(e.getMessage().contains("x.F32") && e.getMessage().contains("[100, 3]"), e.getMessage());
        }
    }

    @Test
    void mapsInSeveralRegionsWithoutSplittingTensors() {
        SafetensorsWriter w = new SafetensorsWriter();
        float[][] data = new float[7][];
        for (int i = 0; i < data.length; i++) {
            data[i] = values(25 + 13 * i, 10 + i);
            w.add("t" + i, data[i], TensorType.F32, data[i].length);
        }
        Path file = dir.resolve("r.safetensors");
        w.write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file, 300)) {
            assertTrue(f.regionCount() >= 4, "regions: " + f.regionCount());
            for (int i = data.length - 1; i >= 0; i--) {
                assertStored(data[i], TensorType.F32, f.bytes("t" + i));
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(1, f.regionCount());
        }
    }

    private Path writeHeader(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static String message(Path file) {
        CheckpointException e = assertThrows(
                CheckpointException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsCorruptFilesNamingThem() throws IOException {
        Path f = writeHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", 8);
        assertTrue(message(f).contains("not valid JSON"));

        f = writeHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4);
        assertTrue(message(f).contains("truncated"), message(f));

        f = writeHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8);
        assertTrue(message(f).contains("needs 12"), message(f));

        f = writeHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8);
        assertTrue(message(f).contains("invalid data_offsets"), message(f));

        f = writeHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8);
        assertTrue(message(f).contains("data_offsets"), message(f));

        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(message(f).contains("truncated"), message(f));

        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(f, b.array());
        assertTrue(message(f).contains("header length 1000"), message(f));
    }

    @Test
    void truncatedDataIsReportedAtOpen() throws IOException {
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter().add("w", values(64, 5), TensorType.F16, 8, 8).write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 10));
        assertTrue(message(file).contains("truncated") && message(file).contains("'w'"), message(file));
    }

    @Test
    void unsupportedDtypeIsNamedWhenTheTensorIsRead() throws IOException {
        Path f = writeHeader(
                "{\"d\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]},"
                        + "\"q\": {\"dtype\": \"Q4_K\", \"shape\": [1], \"data_offsets\": [8, 9]}}",
                16);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals("F64", s.dtype("d"));
            CheckpointException e = assertThrows(CheckpointException.class, () -> s.info("d"));
            assertTrue(
                    e.getMessage().contains("'F64'")
                            && e.getMessage().contains("'d'")
                            && e.getMessage().contains(f.toString()),
                    e.getMessage());
            e = assertThrows(CheckpointException.class, () -> s.bytes("q"));
            assertTrue(e.getMessage().contains("Q4_K"), e.getMessage());
        }
    }

    @Test
    void missingTensorNamesTensorFileAndCloseMatches() {
        Path file = dir.resolve("n.safetensors");
        new SafetensorsWriter()
                .add("model.layers.0.self_attn.q_proj.weight", new float[4], TensorType.F32, 2, 2)
                .add("model.norm.weight", new float[2], TensorType.F32, 2)
                .write(file);
        try (SafetensorsFile s = SafetensorsFile.open(file)) {
            MissingTensorException e =
                    assertThrows(MissingTensorException.class, () -> s.info("model.layers.0.self_attn.k_proj.weight"));
            assertTrue(
                    e.getMessage().contains("'model.layers.0.self_attn.k_proj.weight'")
                            && e.getMessage().contains(file.toString())
                            && e.getMessage().contains("close matches: model.layers.0.self_attn.q_proj.weight"),
                    e.getMessage());
            e = assertThrows(MissingTensorException.class, () -> s.bytes("language_model.model.norm.weight"));
            assertTrue(e.getMessage().contains("close matches: model.norm.weight"), e.getMessage());
        }
    }
}
