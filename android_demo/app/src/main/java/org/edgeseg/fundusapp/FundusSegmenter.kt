package org.edgeseg.fundusapp

import android.content.Context
import java.io.Closeable
import java.nio.ByteBuffer
import java.nio.ByteOrder
import org.edgeseg.fundus.Layout
import org.edgeseg.fundus.LesionSummary
import org.edgeseg.fundus.ModelInput
import org.edgeseg.fundus.ModelMetadata
import org.edgeseg.fundus.ProbabilityMaps
import org.edgeseg.fundus.RgbImage
import org.tensorflow.lite.Interpreter

/**
 * An exported edgeseg model on the LiteRT interpreter (CPU, XNNPACK): the library's preprocessing
 * in, the library's post-processing out. The metadata that `edgeseg export` appended to the
 * `.tflite` gives the lesions, input size, layout, preprocessing and thresholds.
 */
class FundusSegmenter private constructor(
    private val interpreter: Interpreter,
    val metadata: ModelMetadata,
    val threads: Int,
) : Closeable {

    /** Preprocess [image], run the model, threshold its output; times each stage. */
    fun segment(image: RgbImage): Segmentation {
        val started = System.nanoTime()
        val prepared = metadata.preprocessing().prepare(image)
        val input = ModelInput.fromSquare(prepared.modelSquare(), metadata.layout())
        val size = metadata.inputSize()
        val lesions = metadata.lesions().size
        val inputBuffer = floatBuffer(input.size).also { it.asFloatBuffer().put(input) }
        val outputBuffer = floatBuffer(size * size * lesions)

        val inferenceStarted = System.nanoTime()
        interpreter.run(inputBuffer, outputBuffer)
        val inferenceEnded = System.nanoTime()

        val output = FloatArray(size * size * lesions)
        outputBuffer.rewind()
        outputBuffer.asFloatBuffer().get(output)
        val maps = ProbabilityMaps.fromOutput(output, size, lesions, metadata.layout())
        val findings = LesionSummary.of(maps, metadata.lesions(), metadata.thresholds())
        return Segmentation(
            prepared = prepared,
            findings = findings,
            preprocessingMillis = (inferenceStarted - started) / 1_000_000,
            inferenceMillis = (inferenceEnded - inferenceStarted) / 1_000_000,
        )
    }

    override fun close() = interpreter.close()

    companion object {
        /** Loads [asset] from the app's assets; throws [java.io.FileNotFoundException] when it is missing. */
        fun fromAsset(context: Context, asset: String, threads: Int = 4): FundusSegmenter {
            val bytes = context.assets.open(asset).use { it.readBytes() }
            val metadata = ModelMetadata.fromTflite(bytes)
            val model = ByteBuffer.allocateDirect(bytes.size).order(ByteOrder.nativeOrder()).put(bytes)
            model.rewind()
            val interpreter = Interpreter(model, Interpreter.Options().setNumThreads(threads))
            val size = metadata.inputSize()
            val expected = if (metadata.layout() == Layout.NHWC) intArrayOf(1, size, size, 3) else intArrayOf(1, 3, size, size)
            val actual = interpreter.getInputTensor(0).shape()
            require(actual.contentEquals(expected)) {
                "model input ${actual.contentToString()} does not match its metadata ${expected.contentToString()}"
            }
            return FundusSegmenter(interpreter, metadata, threads)
        }

        private fun floatBuffer(floats: Int): ByteBuffer =
            ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder())
    }
}
