package org.edgeseg.fundusapp

import org.edgeseg.fundus.LesionFinding
import org.edgeseg.fundus.PreparedImage

/** One analysed photograph: its squares, the lesions found, and how long each stage took. */
data class Segmentation(
    val prepared: PreparedImage,
    val findings: List<LesionFinding>,
    val preprocessingMillis: Long,
    val inferenceMillis: Long,
)
