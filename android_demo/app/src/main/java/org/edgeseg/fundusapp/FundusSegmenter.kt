package org.edgeseg.fundusapp

import android.content.Context
import java.io.Closeable
import java.nio.ByteBuffer
import java.nio.ByteOrder
import org.edgeseg.fundus.Layout
import org.edgeseg.fundus.LesionSummary
import org.edgeseg.fundus.ModelInput
import org.edgeseg.fundus.ModelMetadata
import org.edgeseg.fundus.ModelOutput
import org.edgeseg.fundus.ProbabilityMaps
import org.edgeseg.fundus.QualityGate
import org.edgeseg.fundus.RgbImage
import org.edgeseg.fundus.Screening
import org.tensorflow.lite.Interpreter

/**
 * An exported edgeseg model on the LiteRT interpreter (CPU, XNNPACK): the library's preprocessing
 * in, the library's post-processing out. The metadata that `edgeseg export` appended to the
 * `.tflite` gives the lesions, input size, layout, preprocessing, thresholds and the named
 * outputs: `lesion_probs`, and for a screening model (the graded student) also `dr_probs`,
 * `dme_probs` and `referable_prob`. The library's [Screening] does what `edgeseg predict` does
 * around the model: the image-quality gate before it, and after it the lesions on the photograph,
 * the anatomy-aware findings, the verdict (the model's grades, or the grader its metadata carries,
 * as the embedded default does) and the findings in words.
 *
 * Outputs are read by their names in the `serving_default` signature, never by index: the
 * converter orders a graded model's output tensors as it likes, and its signature lists them
 * sorted by name (`dme_probs`, `dr_probs`, `lesion_probs`, `referable_prob`).
 */
class FundusSegmenter private constructor(
    private val interpreter: Interpreter,
    val metadata: ModelMetadata,
    val threads: Int,
) : Closeable {
    /** Values per output, from the signature's tensors (checked against the metadata on loading). */
    private val outputSizes: Map<String, Int> = metadata.outputNames().associateWith { name ->
        interpreter.getOutputTensorFromSignature(name, SIGNATURE).numElements()
    }

    /**
     * Check [image]'s quality, preprocess it, run the model, threshold its lesion maps and screen
     * it; times each stage. A photograph the quality gate stops is not run: [UngradablePhotograph].
     */
    fun segment(image: RgbImage): Segmentation {
        val started = System.nanoTime()
        val retake = Screening.retakeReasons(image, metadata)
        if (retake.isNotEmpty()) throw UngradablePhotograph(QualityGate.retakeMessage(retake))
        val prepared = metadata.preprocessing().prepare(image)
        val input = ModelInput.fromSquare(prepared.modelSquare(), metadata.layout())
        val inputBuffer = floatBuffer(input.size).also { it.asFloatBuffer().put(input) }
        val outputBuffers: Map<String, ByteBuffer> = outputSizes.mapValues { (_, floats) -> floatBuffer(floats) }
        val inputs: Map<String, Any> = mapOf(metadata.inputName() to inputBuffer)
        val outputs: Map<String, Any> = outputBuffers

        val inferenceStarted = System.nanoTime()
        interpreter.runSignature(inputs, outputs, SIGNATURE)
        val inferenceEnded = System.nanoTime()

        val values: Map<String, FloatArray> = outputBuffers.mapValues { (_, buffer) ->
            buffer.rewind()
            FloatArray(buffer.capacity() / 4).also { buffer.asFloatBuffer().get(it) }
        }
        val maps = ProbabilityMaps.fromOutput(
            values.getValue(ModelOutput.LESION_PROBS), metadata.inputSize(), metadata.lesions().size, metadata.layout(),
        )
        val findings = LesionSummary.of(maps, metadata.lesions(), metadata.thresholds())
        val screening = Screening.of(image, prepared, values, metadata)
        return Segmentation(
            prepared = prepared,
            findings = findings,
            verdict = screening.verdict,
            words = screening.words,
            preprocessingMillis = (inferenceStarted - started) / 1_000_000,
            inferenceMillis = (inferenceEnded - inferenceStarted) / 1_000_000,
        )
    }

    override fun close() = interpreter.close()

    companion object {
        /** The signature `litert_torch.convert` writes and `edgeseg export` names its input and outputs in. */
        const val SIGNATURE = "serving_default"

        /** Loads [asset] from the app's assets; throws [java.io.FileNotFoundException] when it is missing. */
        fun fromAsset(context: Context, asset: String, threads: Int = 4): FundusSegmenter {
            val bytes = context.assets.open(asset).use { it.readBytes() }
            val metadata = ModelMetadata.fromTflite(bytes)
            val model = ByteBuffer.allocateDirect(bytes.size).order(ByteOrder.nativeOrder()).put(bytes)
            model.rewind()
            val interpreter = Interpreter(model, Interpreter.Options().setNumThreads(threads))
            try {
                require(SIGNATURE in interpreter.signatureKeys) {
                    "the model has no $SIGNATURE signature (it has ${interpreter.signatureKeys.contentToString()}); re-export it with `edgeseg export`"
                }
                val size = metadata.inputSize()
                val expected = if (metadata.layout() == Layout.NHWC) intArrayOf(1, size, size, 3) else intArrayOf(1, 3, size, size)
                val actual = interpreter.getInputTensorFromSignature(metadata.inputName(), SIGNATURE).shape()
                require(actual.contentEquals(expected)) {
                    "model input ${actual.contentToString()} does not match its metadata ${expected.contentToString()}"
                }
                metadata.requireOutputs(
                    interpreter.getSignatureOutputs(SIGNATURE).asList().associateWith { name ->
                        interpreter.getOutputTensorFromSignature(name, SIGNATURE).shape()
                    },
                )
                return FundusSegmenter(interpreter, metadata, threads)
            } catch (error: Exception) {
                interpreter.close()
                throw error
            }
        }

        private fun floatBuffer(floats: Int): ByteBuffer =
            ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder())
    }
}

/** A photograph the model's image-quality gate stops: "retake: blurred", and no verdict. */
class UngradablePhotograph(message: String) : Exception(message)
