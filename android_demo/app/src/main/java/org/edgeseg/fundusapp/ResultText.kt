package org.edgeseg.fundusapp

import org.edgeseg.fundus.LesionFinding
import org.edgeseg.fundus.ModelMetadata
import org.edgeseg.fundus.ScreeningVerdict

/**
 * The words the screen shows for a result; plain Kotlin on the library's classes, no Android
 * types, so it compiles and reads the same anywhere.
 */
object ResultText {
    /** "123 px (0.75 % of the 128 x 128 square), 4 regions" */
    fun area(finding: LesionFinding, size: Int): String {
        val share = 100.0 * finding.areaPixels() / (size.toLong() * size)
        val regions = if (finding.components() == 1) "1 region" else "${finding.components()} regions"
        return "${finding.areaPixels()} px (${String.format("%.2f", share)} % of the $size x $size square), $regions"
    }

    /** "Inference 85 ms on the CPU (4 threads), preprocessing 40 ms" */
    fun timing(inferenceMillis: Long, preprocessingMillis: Long, threads: Int): String =
        "Inference $inferenceMillis ms on the CPU ($threads threads), preprocessing $preprocessingMillis ms"

    /** "u2xs fp32, 512 x 512 input" */
    fun model(name: String, precision: String, size: Int): String = "$name $precision, $size x $size input"

    /** "threshold 0.0779" */
    fun threshold(finding: LesionFinding): String = "threshold ${finding.threshold()}"

    /**
     * The screening verdict as edgeseg's Python prints it (`verdict_lines`), "DR grade 2 (moderate
     * NPDR), DME risk 1" and "referral probability 0.83: refer", then what referable means when
     * the model's metadata says: "referable: DR grade >= 2 or DME risk == 2".
     */
    fun verdict(verdict: ScreeningVerdict, metadata: ModelMetadata): List<String> =
        verdict.lines() + listOfNotNull(metadata.referableDefinition().takeIf { it.isNotEmpty() }?.let { "referable: $it" })
}
