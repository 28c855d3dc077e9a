package org.edgeseg.fundus;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads {@code edgeseg_metadata.json} out of an exported {@code .tflite} file: edgeseg appends
 * a ZIP archive to the flatbuffer ({@code embed_tflite} in {@code export/metadata.py}, Python's
 * {@code zipfile.ZipFile(path, "a")}), and the interpreter ignores trailing bytes. A ZIP is read
 * from its end: the End Of Central Directory record locates the central directory, whose entry
 * for the member locates its local header and data. Bytes before the archive (the flatbuffer)
 * shift every offset, so the shift is computed from where the central directory really is.
 */
public final class TfliteMetadataReader {
    /** {@code TFLITE_MEMBER} in {@code export/metadata.py}. */
    public static final String MEMBER = "edgeseg_metadata.json";

    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    private static final int CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;

    private TfliteMetadataReader() {
    }

    /** The metadata JSON text embedded in {@code file}, the bytes of a {@code .tflite}. */
    public static String read(byte[] file) {
        int end = findEndOfCentralDirectory(file);
        int entries = u16(file, end + 10);
        long directorySize = u32(file, end + 12);
        long directoryOffset = u32(file, end + 16);
        long directoryStart = end - directorySize;
        long archiveStart = directoryStart - directoryOffset;
        if (directoryStart < 0 || archiveStart < 0) {
            throw new IllegalArgumentException("corrupt ZIP end record: central directory outside the file");
        }
        int entry = (int) directoryStart;
        for (int i = 0; i < entries; i++) {
            requireSignature(file, entry, CENTRAL_DIRECTORY_ENTRY, "central directory entry");
            int nameLength = u16(file, entry + 28);
            String name = new String(file, entry + 46, nameLength, StandardCharsets.UTF_8);
            if (name.equals(MEMBER)) {
                return extract(file, entry, archiveStart);
            }
            entry += 46 + nameLength + u16(file, entry + 30) + u16(file, entry + 32);
        }
        throw new IllegalArgumentException("no " + MEMBER + " in the appended archive; was the file exported by `edgeseg export`?");
    }

    /** The member's data, inflated and checked against its CRC-32. */
    private static String extract(byte[] file, int entry, long archiveStart) {
        int method = u16(file, entry + 10);
        long crc = u32(file, entry + 16);
        int compressedSize = (int) u32(file, entry + 20);
        int size = (int) u32(file, entry + 24);
        int local = (int) (archiveStart + u32(file, entry + 42));
        requireSignature(file, local, LOCAL_HEADER, "local file header");
        int data = local + 30 + u16(file, local + 26) + u16(file, local + 28);
        byte[] content;
        if (method == STORED) {
            content = java.util.Arrays.copyOfRange(file, data, data + size);
        } else if (method == DEFLATED) {
            content = inflate(file, data, compressedSize, size);
        } else {
            throw new IllegalArgumentException(MEMBER + " uses ZIP compression method " + method + "; expected stored or deflated");
        }
        CRC32 check = new CRC32();
        check.update(content);
        if (check.getValue() != crc) {
            throw new IllegalArgumentException(MEMBER + " fails its CRC-32 check; the file is corrupt");
        }
        return new String(content, StandardCharsets.UTF_8);
    }

    private static byte[] inflate(byte[] file, int offset, int compressedSize, int size) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(file, offset, compressedSize);
            byte[] out = new byte[size];
            int done = 0;
            while (done < size && !inflater.finished()) {
                int n = inflater.inflate(out, done, size - done);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                done += n;
            }
            if (done != size) {
                throw new IllegalArgumentException(MEMBER + " inflates to " + done + " bytes, expected " + size);
            }
            return out;
        } catch (DataFormatException e) {
            throw new IllegalArgumentException(MEMBER + " is not valid deflate data: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    /** The position of the End Of Central Directory record: the last one in the final 64 KiB + 22 bytes. */
    private static int findEndOfCentralDirectory(byte[] file) {
        int lowest = Math.max(0, file.length - 22 - 0xFFFF);
        for (int i = file.length - 22; i >= lowest; i--) {
            if (u32(file, i) == END_OF_CENTRAL_DIRECTORY && i + 22 + u16(file, i + 20) == file.length) {
                return i;
            }
        }
        throw new IllegalArgumentException("no ZIP archive appended; was the file exported by `edgeseg export`?");
    }

    private static void requireSignature(byte[] file, int offset, int signature, String what) {
        if (offset < 0 || offset + 4 > file.length || u32(file, offset) != signature) {
            throw new IllegalArgumentException("corrupt ZIP: no " + what + " at offset " + offset);
        }
    }

    private static int u16(byte[] b, int offset) {
        return (b[offset] & 0xFF) | (b[offset + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int offset) {
        return (u16(b, offset) | (long) u16(b, offset + 2) << 16) & 0xFFFFFFFFL;
    }
}
