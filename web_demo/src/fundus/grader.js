/**
 * The grader on the findings, a port of edgeseg/screening/grader.py: logistic regressions carried
 * as data in the model's metadata (`grader`), on named features of the findings (findings.js) and
 * of the photograph's lesion summary (summary.js, photographSummary). Python, this page and the
 * goldens compute the same verdict from the same findings (spec/findings-golden.test.js).
 */
import { quadrantsWith } from './findings.js';
import { gradingVerdict } from './grading.js';

const AREA_EPS = 1e-4;
const NEAR_EPS = 1e-5;
const FAR_DD = 4.0;
const LESIONS = ['MA', 'HE', 'EX', 'SE'];

/** grader.FEATURES: name -> (findings, summary lesions) -> number, in Python's order. */
export const FEATURES = Object.fromEntries([
  ...LESIONS.flatMap((lesion) => [
    [`${lesion}_log_area`, (fi, s) => Math.log(s[lesion].area_share_of_fov + AREA_EPS)],
    [`${lesion}_log_count`, (fi, s) => Math.log(s[lesion].components + 1.0)],
    [`${lesion}_max`, (fi, s) => Number(s[lesion].max_probability)],
  ]),
  ['HE_quadrants', (fi) => quadrantsWith(fi, 'HE')],
  ['HE_log_fewest_in_quadrant', (fi) => Math.log(1.0 + (fi.perQuadrant.HE ? Math.min(...Object.values(fi.perQuadrant.HE)) : 0))],
  ['MA_quadrants', (fi) => quadrantsWith(fi, 'MA')],
  ['EX_distance_dd', (fi) => (fi.exudateDistance === null ? FAR_DD : Math.min(fi.exudateDistance, FAR_DD))],
  ['EX_log_within_1dd', (fi) => Math.log(fi.exudatesWithin[1] + NEAR_EPS)],
  ['EX_log_within_2dd', (fi) => Math.log(fi.exudatesWithin[2] + NEAR_EPS)],
]);

/** grader.feature_vector. */
export function featureVector(findings, summary, names) {
  return names.map((name) => {
    const feature = FEATURES[name];
    if (!feature) throw new Error(`the grader reads an unknown feature ${name}; rebuild the page with a current edgeseg`);
    return feature(findings, summary);
  });
}

const logits = (head, x) => head.intercept.map((bias, k) => head.coef[k].reduce((sum, c, j) => sum + c * x[j], 0) + bias);
const sigmoid = (z) => 1.0 / (1.0 + Math.exp(-z));

function softmax(values) {
  const top = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Grader.grade: {dr_probs, dme_probs, referable_prob} from the metadata's `grader`. */
export function gradeFindings(grader, findings, summary) {
  const x = featureVector(findings, summary, grader.features);
  let dme;
  if (grader.dme.presence) { // grader.DmeByLocation
    const present = sigmoid(logits(grader.dme.presence, x)[0]);
    const near = findings.exudatesWithin[grader.dme.near_dd];
    if (near === undefined) throw new Error(`the findings measure exudates within ${Object.keys(findings.exudatesWithin)} DD, not ${grader.dme.near_dd}`);
    dme = [1.0 - present, 0, 0];
    dme[near > 0 && near >= grader.dme.min_area ? 2 : 1] = present;
  } else {
    dme = softmax(logits(grader.dme, x));
  }
  return { dr_probs: softmax(logits(grader.dr, x)), dme_probs: dme, referable_prob: sigmoid(logits(grader.referable, x)[0]) };
}

/**
 * The verdict of a lesion model whose metadata carries a grader (edgeseg/predict/verdict.py): the
 * grader's probabilities read as gradingVerdict reads a grading model's outputs, at the grader's
 * referral threshold; null without a grader.
 */
export function findingsVerdict(metadata, findings, lesionSummary) {
  if (!metadata?.grader) return null;
  const graded = gradeFindings(metadata.grader, findings, lesionSummary);
  return gradingVerdict({ ...metadata, grading: { referable_threshold: metadata.grader.referable_threshold } },
    { dr_probs: graded.dr_probs, dme_probs: graded.dme_probs, referable_prob: [graded.referable_prob] });
}
