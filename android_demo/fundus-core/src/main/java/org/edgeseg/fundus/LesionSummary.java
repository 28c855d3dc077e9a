package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.opencv.ConnectedComponents;

/** Thresholded masks, areas and component counts per lesion; mirrors {@code lesion_summary} in {@code edgeseg/export/golden.py}. */
public final class LesionSummary {
    private LesionSummary() {
    }

    /**
     * {@code lesion_summary(maps, lesions, thresholds)}. A pixel belongs to the mask when its
     * probability is at least the threshold; numpy compares a float32 map with a Python float in
     * float32, so the threshold is rounded to float first, as here.
     */
    public static List<LesionFinding> of(ProbabilityMaps maps, List<String> lesions, Map<String, Double> thresholds) {
        if (lesions.size() != maps.channels()) {
            throw new IllegalArgumentException(lesions.size() + " lesions for " + maps.channels() + " output channels");
        }
        List<LesionFinding> findings = new ArrayList<>();
        int size = maps.size();
        for (int index = 0; index < lesions.size(); index++) {
            String lesion = lesions.get(index);
            Double threshold = thresholds.get(lesion);
            if (threshold == null) {
                throw new IllegalArgumentException("no threshold for " + lesion);
            }
            float cut = threshold.floatValue();
            float[] map = maps.channel(index);
            boolean[] mask = new boolean[map.length];
            int area = 0;
            for (int i = 0; i < map.length; i++) {
                mask[i] = map[i] >= cut;
                area += mask[i] ? 1 : 0;
            }
            int components = ConnectedComponents.label(mask, size, size).count();
            findings.add(new LesionFinding(lesion, threshold, mask, area, components));
        }
        return Collections.unmodifiableList(findings);
    }
}
