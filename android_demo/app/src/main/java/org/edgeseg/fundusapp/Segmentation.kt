package org.edgeseg.fundusapp

import org.edgeseg.fundus.LesionFinding
import org.edgeseg.fundus.PreparedImage
import org.edgeseg.fundus.ScreeningVerdict

/**
 * One analysed photograph: its squares, the lesions found, the screening verdict (null for a
 * segmentation-only model), and how long each stage took.
 */
data class Segmentation(
    val prepared: PreparedImage,
    val findings: List<LesionFinding>,
    val verdict: ScreeningVerdict?,
    val preprocessingMillis: Long,
    val inferenceMillis: Long,
)
