package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.edgeseg.fundus.json.Json;
import org.junit.Test;

/** Reading the metadata ZIP that {@code embed_tflite} appends to an exported {@code .tflite}. */
public class TfliteMetadataReaderTest {
    @Test
    public void readsTheMetadataPythonAppended() throws IOException {
        byte[] file = Files.readAllBytes(GoldenFiles.path("model.tflite"));
        assertEquals(Json.parse(GoldenFiles.text("metadata.json")), Json.parse(TfliteMetadataReader.read(file)));
    }

    @Test
    public void metadataGivesWhatTheAppNeeds() throws IOException {
        ModelMetadata metadata = ModelMetadata.fromTflite(Files.readAllBytes(GoldenFiles.path("model.tflite")));
        assertEquals(Arrays.asList("MA", "HE", "EX", "SE"), metadata.lesions());
        assertEquals("microaneurysms", metadata.lesionName("MA"));
        assertEquals(128, metadata.inputSize());
        assertEquals(Layout.NHWC, metadata.layout());
        assertEquals(0.45, metadata.thresholds().get("HE"), 0.0);
        assertEquals("fp32", metadata.precision());
        assertTrue(metadata.notice(), metadata.notice().contains("not for diagnosis"));
    }

    @Test
    public void readsAStoredMemberAfterArbitraryBytes() throws IOException {
        byte[] json = "{\"format\": \"edgeseg-export-v1\"}".getBytes(StandardCharsets.UTF_8);
        byte[] file = concat(new byte[] {1, 2, 3, 4, 5}, zip(json, ZipEntry.STORED));
        assertEquals("{\"format\": \"edgeseg-export-v1\"}", TfliteMetadataReader.read(file));
    }

    @Test
    public void refusesAModelWithoutAppendedMetadata() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> TfliteMetadataReader.read(new byte[4096]));
        assertTrue(error.getMessage(), error.getMessage().contains("edgeseg export"));
    }

    @Test
    public void detectsACorruptMember() throws IOException {
        byte[] file = Files.readAllBytes(GoldenFiles.path("model.tflite"));
        byte[] zip = zip("{}".getBytes(StandardCharsets.UTF_8), ZipEntry.STORED);
        int data = indexOf(zip, "{}".getBytes(StandardCharsets.UTF_8));
        zip[data] = '[';
        assertThrows(IllegalArgumentException.class, () -> TfliteMetadataReader.read(concat(file, zip)));
    }

    private static byte[] zip(byte[] content, int method) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            ZipEntry entry = new ZipEntry(TfliteMetadataReader.MEMBER);
            entry.setMethod(method);
            CRC32 crc = new CRC32();
            crc.update(content);
            entry.setCrc(crc.getValue());
            entry.setSize(content.length);
            entry.setCompressedSize(content.length);
            out.putNextEntry(entry);
            out.write(content);
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(haystack, i, i + needle.length), needle)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
