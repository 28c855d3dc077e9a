/**
 * The edgeseg names of a model's outputs. ONNX keeps the names export gives them
 * (lesion_probs, and dr_probs, dme_probs, referable_prob for a graded model); a TFLite converter
 * renames them (serving_default_output_0, StatefulPartitionedCall:1, ...), so each is recognised
 * by an edgeseg name inside its own name, else by its shape: the lesion map is the 4-D output,
 * and the grading head's outputs have 5 (DR grades), 3 (DME risks) and 1 (referable) values.
 */
const BY_SIZE = { 5: 'dr_probs', 3: 'dme_probs', 1: 'referable_prob' };
export const KNOWN = ['lesion_probs', 'dr_probs', 'dme_probs', 'referable_prob'];

/** `details`: [{name, shape}] in the model's output order; returns the edgeseg name of each. */
export function nameOutputs(details, spec) {
  return details.map(({ name, shape }) => {
    const known = KNOWN.find((candidate) => name.includes(candidate));
    if (known) return known === 'lesion_probs' ? spec.outputName : known;
    if (shape.length === 4) return spec.outputName;
    const values = shape.reduce((a, b) => a * b, 1);
    return BY_SIZE[values] ?? name;
  });
}
