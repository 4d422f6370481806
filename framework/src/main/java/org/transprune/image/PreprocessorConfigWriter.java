package org.transprune.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a CLIPImageProcessor {@code preprocessor_config.json} (for tiny checkpoints and the micro model). */
public final class PreprocessorConfigWriter {

    private PreprocessorConfigWriter() {}

    /**
     * Writes {@code preprocessor_config.json} into a directory (created if needed): shortest edge and
     * centre crop {@code size}, bicubic, CLIP mean and std, rescale 1/255.
     *
     * @return the written file
     */
    public static Path write(Path dir, int size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("crop_size", Map.of("height", size, "width", size));
        config.put("do_center_crop", true);
        config.put("do_convert_rgb", true);
        config.put("do_normalize", true);
        config.put("do_rescale", true);
        config.put("do_resize", true);
        config.put("image_mean", ImagePreprocessor.CLIP_MEAN);
        config.put("image_processor_type", "CLIPImageProcessor");
        config.put("image_std", ImagePreprocessor.CLIP_STD);
        config.put("resample", Resampler.Filter.BICUBIC.pilCode());
        config.put("rescale_factor", ImagePreprocessor.DEFAULT_RESCALE);
        config.put("size", Map.of("shortest_edge", size));
        Files.createDirectories(dir);
        Path file = dir.resolve("preprocessor_config.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), config);
        return file;
    }
}
