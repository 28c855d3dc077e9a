package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One photograph screened as {@code edgeseg predict} screens it, around the app's own call of the
 * model, in two steps: {@link #retakeReasons} before the model (the image-quality gate the model's
 * metadata carries; a photograph it stops gets {@link QualityGate#retakeMessage} and no verdict), and
 * {@link #of} after it: the lesions on the photograph ({@link PhotographSummary}), the anatomy-aware
 * findings ({@link Findings}), the verdict (from the model's grading outputs when it has them, else
 * from the grader its metadata carries; null for a model with neither) and the findings in words.
 * The page's {@code analysePhotograph} ({@code web_demo/src/analysis.js}) runs the same sequence.
 */
public final class Screening {
    /** Per lesion {@code area_share_of_fov}, {@code components} and {@code max_probability} on the photograph. */
    public final Map<String, Map<String, Double>> summary;
    /** The disc, the fovea, lesions per quadrant and the exudates near the fovea. */
    public final Findings findings;
    /** The screening verdict, or null when the model neither grades nor carries a grader. */
    public final ScreeningVerdict verdict;
    /** The findings in words, with the photograph's counts ("5 haemorrhages in 4 quadrants", ...). */
    public final List<String> words;

    private Screening(Map<String, Map<String, Double>> summary, Findings findings, ScreeningVerdict verdict, List<String> words) {
        this.summary = summary;
        this.findings = findings;
        this.verdict = verdict;
        this.words = words;
    }

    /**
     * Why the photograph cannot be graded (empty: it can, or the model carries no gate); call it
     * before running the model, and show {@link QualityGate#retakeMessage} instead of a verdict.
     */
    public static List<String> retakeReasons(RgbImage image, ModelMetadata metadata) {
        QualityGate gate = metadata.qualityGate();
        return gate == null ? new ArrayList<>() : gate.reasons(QualityMeasures.measure(image));
    }

    /**
     * The summary, findings, verdict and words of a photograph from the model's outputs by name
     * ({@code outputs}, float32 values as the interpreter wrote them; {@code lesion_probs} in the
     * metadata's layout) and the {@link PreparedImage} that was its input.
     */
    public static Screening of(RgbImage image, PreparedImage prepared, Map<String, float[]> outputs, ModelMetadata metadata) {
        int size = metadata.inputSize();
        List<String> lesions = metadata.lesions();
        ProbabilityMaps probabilities = ProbabilityMaps.fromOutput(outputs.get(ModelOutput.LESION_PROBS), size, lesions.size(), metadata.layout());
        float[][] maps = new float[lesions.size()][];
        for (int index = 0; index < maps.length; index++) {
            maps[index] = probabilities.channel(index);
        }
        SquareGeometry geometry = prepared.geometry();
        FieldOfView.WorkCopy work = FieldOfView.WorkCopy.of(image);
        Map<String, Map<String, Double>> summary = PhotographSummary.of(maps, size, lesions, metadata.thresholds(), geometry, image.width(),
                image.height(), PhotographSummary.fieldOfViewPixels(work, image.width(), image.height()));
        boolean[] field = Findings.squareField(geometry, work, image.width(), image.height(), size, geometry.side() > 0);
        Findings findings = Findings.find(maps, lesions, metadata.thresholds(), field, Findings.locateAnatomy(prepared.modelSquare(), field), size);
        ScreeningVerdict verdict = ScreeningVerdict.fromOutputs(outputs, metadata);
        if (verdict == null && metadata.grader() != null) {
            verdict = ScreeningVerdict.fromGrader(metadata.grader().grade(findings, summary), metadata.grader().referableThreshold());
        }
        Map<String, Integer> components = new LinkedHashMap<>();
        summary.forEach((lesion, entry) -> components.put(lesion, (int) (double) entry.get("components")));
        return new Screening(summary, findings, verdict, findings.words(components));
    }
}
