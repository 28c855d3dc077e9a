import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import javax.imageio.ImageIO;
import org.edgeseg.fundus.LesionFinding;
import org.edgeseg.fundus.LesionSummary;
import org.edgeseg.fundus.ModelMetadata;
import org.edgeseg.fundus.PreparedImage;
import org.edgeseg.fundus.ProbabilityMaps;
import org.edgeseg.fundus.RgbImage;
import org.edgeseg.fundus.OverlayRenderer;

/**
 * Renders what the app shows for an exported model's golden vectors, with the fundus-core
 * library: the analysed square of the golden photograph beside it with the lesions tinted.
 *
 * <pre>
 * javac --release 11 -d /tmp/fundus-core $(find android_demo/fundus-core/src/main/java -name '*.java')
 * java -cp /tmp/fundus-core android_demo/tools/RenderOverlay.java MODEL.tflite MODEL.tflite.golden OUT.jpg
 * </pre>
 *
 * The golden folder is the one {@code edgeseg export} writes beside the model: {@code input.png}
 * (a synthetic photograph) and {@code output_f32.bin}, the model's own output on it. Prints the
 * lesion areas and component counts.
 */
public class RenderOverlay {
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: RenderOverlay MODEL.tflite GOLDEN_FOLDER OUT.png|OUT.jpg");
            System.exit(2);
        }
        ModelMetadata metadata = ModelMetadata.fromTflite(Files.readAllBytes(Path.of(args[0])));
        Path golden = Path.of(args[1]);
        BufferedImage photo = ImageIO.read(golden.resolve("input.png").toFile());
        int[] argb = photo.getRGB(0, 0, photo.getWidth(), photo.getHeight(), null, 0, photo.getWidth());
        PreparedImage prepared = metadata.preprocessing().prepare(RgbImage.fromArgb(photo.getWidth(), photo.getHeight(), argb));

        byte[] raw = Files.readAllBytes(golden.resolve("output_f32.bin"));
        float[] output = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(output);
        int size = metadata.inputSize();
        ProbabilityMaps maps = ProbabilityMaps.fromOutput(output, size, metadata.lesions().size(), metadata.layout());
        List<LesionFinding> findings = LesionSummary.of(maps, metadata.lesions(), metadata.thresholds());
        RgbImage overlay = OverlayRenderer.render(prepared.displaySquare(), findings, new HashSet<>(metadata.lesions()));

        BufferedImage out = new BufferedImage(2 * size, size, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, size, size, prepared.displaySquare().toArgb(), 0, size);
        out.setRGB(size, 0, size, size, overlay.toArgb(), 0, size);
        String format = args[2].substring(args[2].lastIndexOf('.') + 1); // png or jpg
        ImageIO.write(out, format, new File(args[2]));
        for (LesionFinding finding : findings) {
            System.out.printf("%s %s: threshold %s, %d px, %d components%n", finding.lesion(),
                    metadata.lesionName(finding.lesion()), finding.threshold(), finding.areaPixels(), finding.components());
        }
    }
}
