package org.edgeseg.fundusapp

import org.edgeseg.fundus.LesionFinding
import org.edgeseg.fundus.PreparedImage
import org.edgeseg.fundus.ScreeningVerdict

/**
 * One analysed photograph: its squares, the lesions found, the screening verdict (null for a
 * model that neither grades nor carries a grader), the findings in words, and how long each
 * stage took.
 */
data class Segmentation(
    val prepared: PreparedImage,
    val findings: List<LesionFinding>,
    val verdict: ScreeningVerdict?,
    val words: List<String>,
    val preprocessingMillis: Long,
    val inferenceMillis: Long,
)
