/**
 * The DR / DME verdict of a model with a grading head, read from its outputs and its metadata.
 *
 * A graded export has, besides lesion_probs, the outputs dr_probs (5 DR grades), dme_probs
 * (3 DME risks) and referable_prob (1). The metadata may name the outputs and their classes in an
 * "outputs" entry, as a list of {name, classes, ...} or as a dict keyed by name; missing class
 * names fall back to the IDRiD grading scheme below (Porwal et al. 2018). Without these outputs
 * there is no verdict (null), and the page shows the lesions only. NaN or infinite grades are an
 * error, as in edgeseg's Python and the Android library: a broken model gets no verdict (a NaN
 * referral probability would otherwise read as "not referable").
 */

/** edgeseg's message for NaN or infinite grades (edgeseg/predict/verdict.py, NON_FINITE). */
export const NON_FINITE = 'the model gave NaN or infinite grades';

/**
 * IDRiD's DR grades (international clinical DR scale) and DME risks as an export's metadata names
 * them ("grade: name"), from edgeseg/outputs.py (DR_CLASSES, DME_CLASSES); spec/contract.test.js
 * holds them to it.
 */
export const DEFAULT_CLASSES = {
  dr_probs: ['0: no DR', '1: mild NPDR', '2: moderate NPDR', '3: severe NPDR', '4: PDR'],
  dme_probs: ['0: no DME risk', '1: exudates away from the macula', '2: exudates near the macula'],
};
/** The grading outputs in edgeseg's order (edgeseg/outputs.py, GRADING_OUTPUTS). */
export const GRADING_OUTPUTS = ['dr_probs', 'dme_probs', 'referable_prob'];
/**
 * Referable grades (edgeseg/outputs.py, REFERABLE_DR and REFERABLE_DME): DR grade 2 (moderate NPDR)
 * or worse, or DME risk 2; spec/contract.test.js holds them to it.
 */
export const REFERABLE_RULE = { dr_grade_at_least: 2, dme_risk_equal: 2 };
/** The referral threshold of a model whose metadata names none (edgeseg/export/metadata.py). */
export const DEFAULT_REFERABLE_THRESHOLD = 0.5;

/** The metadata's description of output `name` ({} when it has none). */
export function outputSpec(metadata, name) {
  const outputs = metadata?.outputs;
  if (Array.isArray(outputs)) return outputs.find((entry) => entry?.name === name) ?? {};
  if (outputs && typeof outputs === 'object') return outputs[name] ?? {};
  return {};
}

/** The names of the grading outputs that a model file has, among `outputNames`. */
export function gradingOutputs(outputNames) {
  return GRADING_OUTPUTS.filter((name) => outputNames.includes(name));
}

function classProbabilities(metadata, name, values) {
  const spec = outputSpec(metadata, name);
  const classes = Array.isArray(spec.classes) && spec.classes.length === values.length
    ? spec.classes.map((entry) => (typeof entry === 'object' && entry !== null ? entry.name ?? entry.label ?? JSON.stringify(entry) : String(entry)))
    : DEFAULT_CLASSES[name]?.length === values.length ? DEFAULT_CLASSES[name] : values.map((_, index) => `grade ${index}`);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return { grade: best, label: classes[best], probability: values[best], classes, probabilities: Array.from(values) };
}

/**
 * The verdict from the model's outputs (a map of output name to Float32Array), or null when the
 * model has no grading head. Referable compares the probability, widened to a double, with the
 * metadata's grading.referable_threshold (the one chosen on validation), else 0.5; the grades
 * refer too when they are referable (REFERABLE_RULE), so that the advice never contradicts them
 * (edgeseg/outputs.py, advises_referral); byGrades says when they alone refer.
 */
export function gradingVerdict(metadata, outputs) {
  const present = gradingOutputs(Object.keys(outputs));
  if (present.length === 0) return null;
  if (present.some((name) => Array.from(outputs[name]).some((value) => !Number.isFinite(value)))) throw new Error(NON_FINITE);
  const verdict = {};
  if (outputs.dr_probs) verdict.dr = classProbabilities(metadata, 'dr_probs', outputs.dr_probs);
  if (outputs.dme_probs) verdict.dme = classProbabilities(metadata, 'dme_probs', outputs.dme_probs);
  if (outputs.referable_prob) {
    // The model card's threshold, as edgeseg's Python (predict/verdict.py) and the Android library read it.
    const threshold = Number(metadata?.grading?.referable_threshold ?? DEFAULT_REFERABLE_THRESHOLD);
    const probability = outputs.referable_prob[0];
    const byProbability = probability >= threshold;
    const gradesReferable = (verdict.dr?.grade ?? 0) >= REFERABLE_RULE.dr_grade_at_least
      || verdict.dme?.grade === REFERABLE_RULE.dme_risk_equal;
    verdict.referable = { probability, threshold, referable: byProbability || gradesReferable, byGrades: !byProbability && gradesReferable };
  }
  return verdict;
}
