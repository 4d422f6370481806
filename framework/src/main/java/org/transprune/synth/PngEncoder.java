package org.transprune.synth;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * A minimal PNG writer for 8-bit RGB images: one fixed filter and compression level and no
 * ancillary chunks (no time stamp, gamma or software name), so equal pixels give equal bytes. It is
 * several times faster than {@code ImageIO}, whose adaptive per-row filter search dominates dataset
 * writing. Output bytes depend on the platform's zlib only.
 */
final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 137, 80, 78, 71, 13, 10, 26, 10};

    private PngEncoder() {}

    /** Writes {@code rgb} (width * height pixels, 0xRRGGBB, row-major) as a PNG to {@code out}. */
    static void write(int[] rgb, int width, int height, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.write(SIGNATURE);

        ByteArrayOutputStream header = new ByteArrayOutputStream(13);
        DataOutputStream h = new DataOutputStream(header);
        h.writeInt(width);
        h.writeInt(height);
        h.writeByte(8); // bit depth
        h.writeByte(2); // colour type: RGB
        h.writeByte(0); // compression: deflate
        h.writeByte(0); // filter method 0
        h.writeByte(0); // no interlace
        chunk(data, "IHDR", header.toByteArray());

        ByteArrayOutputStream compressed = new ByteArrayOutputStream(width * height * 3 / 2);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try (DeflaterOutputStream z = new DeflaterOutputStream(compressed, deflater, 1 << 16)) {
            byte[] row = new byte[1 + 3 * width];
            // Filter "Sub" (each byte minus the same channel of the pixel to its left): flat shapes
            // and background become runs of small values, which deflate compresses well.
            row[0] = 1;
            for (int y = 0; y < height; y++) {
                int prevR = 0;
                int prevG = 0;
                int prevB = 0;
                for (int x = 0; x < width; x++) {
                    int p = rgb[y * width + x];
                    int r = (p >> 16) & 0xff;
                    int g = (p >> 8) & 0xff;
                    int b = p & 0xff;
                    row[1 + 3 * x] = (byte) (r - prevR);
                    row[2 + 3 * x] = (byte) (g - prevG);
                    row[3 + 3 * x] = (byte) (b - prevB);
                    prevR = r;
                    prevG = g;
                    prevB = b;
                }
                z.write(row);
            }
        } finally {
            deflater.end();
        }
        chunk(data, "IDAT", compressed.toByteArray());
        chunk(data, "IEND", new byte[0]);
        data.flush();
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(body.length);
        out.write(typeBytes);
        out.write(body);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(body);
        out.writeInt((int) crc.getValue());
    }
}
