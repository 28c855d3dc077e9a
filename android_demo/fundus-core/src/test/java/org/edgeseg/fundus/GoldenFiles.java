package org.edgeseg.fundus;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.edgeseg.fundus.json.Json;

/**
 * The golden vectors written by {@code tools/make_golden.py} (test resources folder
 * {@code golden/}), and readers for their PNG, gzip float32 and JSON files.
 */
public final class GoldenFiles {
    private GoldenFiles() {
    }

    /** {@code golden/<relative>} on the test class path. */
    public static Path path(String relative) {
        URL url = GoldenFiles.class.getResource("/golden/" + relative);
        if (url == null) {
            throw new IllegalStateException("golden/" + relative + " is not on the test class path; run tools/make_golden.py");
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An 8-bit RGB PNG, as edgeseg's {@code encode_image} writes it. */
    public static RgbImage png(String relative) throws IOException {
        BufferedImage image = ImageIO.read(path(relative).toFile());
        int width = image.getWidth();
        int height = image.getHeight();
        return RgbImage.fromArgb(width, height, image.getRGB(0, 0, width, height, null, 0, width));
    }

    /** A gzip-compressed little-endian float32 array. */
    public static float[] floatsGz(String relative) throws IOException {
        byte[] bytes;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path(relative)))) {
            bytes = in.readAllBytes();
        }
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    public static String text(String relative) throws IOException {
        return new String(Files.readAllBytes(path(relative)), StandardCharsets.UTF_8);
    }

    public static Map<String, Object> json(String relative) throws IOException {
        return Json.parseObject(text(relative));
    }

    /** A parameterized test's cases: {name, case} for each entry of a golden file's {@code cases}. */
    public static List<Object[]> cases(String relative) throws IOException {
        List<Object[]> cases = new ArrayList<>();
        for (Object item : (List<?>) json(relative).get("cases")) {
            cases.add(new Object[] {((Map<?, ?>) item).get("name"), item});
        }
        return cases;
    }

    /** A JSON number as a double. */
    public static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    public static ModelMetadata metadata() throws IOException {
        return ModelMetadata.parse(text("metadata.json"));
    }
}
