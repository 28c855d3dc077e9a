/**
 * One photograph through the exported model, as `edgeseg predict` does it: the fundus check,
 * the image-quality gate when the metadata carries one (quality_gate; a photograph it stops gets
 * "Retake: <reasons> (ungradable: no verdict)" and never reaches the model), the preprocessing
 * from the model's metadata, the model, the maps brought back onto the photograph's pixels,
 * thresholds and components, and the DR/DME verdict when the model has a grading head. No DOM
 * here: the worker calls it, and node's tests can too.
 */
import { fieldOfViewLookup, fundusProblem, retinaTooSmall } from './fundus/fov.js';
import { findFindings, findingsRecord, locateAnatomy, squareField } from './fundus/findings.js';
import { findingsVerdict } from './fundus/grader.js';
import { gradingVerdict } from './fundus/grading.js';
import { measureQuality, qualityGate, qualityReasons, retakeMessage, roundedMeasures } from './fundus/quality.js';
import { outputToMaps, Preprocessing, squareToInput } from './fundus/preprocessing.js';
import { photographSummary } from './fundus/summary.js';

/** A problem with the photograph itself, shown to the user as it is (no stack, no "Error:"). */
export class PhotographProblem extends Error {}

/** A photograph the model's image-quality gate stops: "Retake: <reasons> (ungradable: no verdict)", no results. */
export class UngradablePhotograph extends PhotographProblem {
  constructor(name, measures, reasons) {
    super(`${name}: ${retakeMessage(reasons)}`);
    this.measures = measures;
    this.reasons = reasons;
  }
}

const JPEG_EOI = [0xff, 0xd9];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function contains(bytes, pattern) {
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    return true;
  }
  return false;
}

/**
 * truncation_problem of edgeseg/fileio.py: why a JPEG or PNG is truncated, or null. Browsers,
 * like OpenCV, decode a truncated JPEG without complaint and fill the missing rows with grey.
 */
export function truncationProblem(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    let end = bytes.length;
    const tailStart = Math.max(0, end - 64);
    while (end > tailStart && bytes[end - 1] === 0) end--;
    if (!contains(bytes.subarray(tailStart, end), JPEG_EOI)) return 'truncated JPEG (no end-of-image marker)';
  } else if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    if (!contains(bytes.subarray(Math.max(0, bytes.length - 64)), PNG_IEND)) return 'truncated PNG (no IEND chunk)';
  }
  return null;
}

/** The model-specific facts the page needs, all from the exported file's metadata. */
export function modelSpec(metadata) {
  const input = metadata.input ?? {};
  const output = metadata.output ?? {};
  const preprocessing = Preprocessing.fromMetadata(metadata);
  const layout = input.layout ?? 'nchw';
  const shape = input.shape ?? (layout === 'nhwc' ? [1, preprocessing.size, preprocessing.size, 3] : [1, 3, preprocessing.size, preprocessing.size]);
  return {
    preprocessing,
    lesions: metadata.lesions,
    inputName: input.name ?? 'image',
    inputShape: shape,
    layout,
    outputName: output.name ?? 'lesion_probs',
    outputLayout: output.layout ?? layout,
    qualityGate: qualityGate(metadata),
  };
}

/**
 * Analyse one photograph (an RgbImage). `engine.run(input)` returns the model's outputs by name.
 * `progress(stage)` is told each step. Throws PhotographProblem for a photograph edgeseg rejects.
 */
export async function analysePhotograph(image, name, spec, metadata, engine, progress = () => {}) {
  const started = performance.now();
  progress('finding the field of view');
  const geometry = spec.preprocessing.geometry(image);
  const { small, scale, mask } = geometry.work;
  const problem = fundusProblem(small, mask) ?? retinaTooSmall(mask, small, scale, image.width, image.height);
  if (problem) throw new PhotographProblem(`${name}: ${problem}`);
  let quality = {};
  if (spec.qualityGate) {
    progress('checking the image quality');
    const measures = measureQuality(image, small, mask, scale);
    const retake = qualityReasons(measures, spec.qualityGate);
    if (retake.length > 0) throw new UngradablePhotograph(name, measures, retake);
    quality = { gradable: true, quality: roundedMeasures(measures) };
  }
  progress('preparing the model input');
  const { modelSquare } = spec.preprocessing.prepare(image, geometry);
  const squareLookup = { ...geometry, imageWidth: image.width, imageHeight: image.height };
  const input = squareToInput(modelSquare, spec.layout);
  const prepared = performance.now();
  progress('running the model');
  const outputs = await engine.run(input, spec.inputShape);
  const inferred = performance.now();
  if (!outputs[spec.outputName]) throw new Error(`the model has no output ${spec.outputName}; its outputs are ${Object.keys(outputs).join(', ')}`);
  progress('measuring the lesions');
  const size = spec.preprocessing.size;
  const maps = outputToMaps(outputs[spec.outputName], size, spec.lesions.length, spec.outputLayout);
  const fieldOfView = fieldOfViewLookup(image, small, mask, scale);
  const { summary, masks } = photographSummary(maps, size, squareLookup, metadata, fieldOfView.pixels);
  progress('locating the optic disc and the fovea');
  const field = squareField(squareLookup, size, spec.preprocessing.padSquare);
  const thresholds = Object.fromEntries(metadata.lesions.map((lesion) => [lesion, Number(metadata.thresholds?.[lesion] ?? 0.5)]));
  const findings = findFindings(maps, metadata.lesions, thresholds, field, locateAnatomy(modelSquare, field), size);
  const verdict = gradingVerdict(metadata, outputs) ?? findingsVerdict(metadata, findings, summary.lesions);
  const record = findingsRecord(findings, squareLookup, size, summary.lesions, spec.preprocessing.padSquare);
  const finished = performance.now();
  return {
    summary: { image: name, size: [image.width, image.height], notice: metadata.notice, ...quality, ...summary, findings: record },
    verdict,
    findings: record,
    masks,
    geometry: squareLookup,
    fieldOfView,
    input,
    timings: {
      preprocessing_ms: prepared - started,
      inference_ms: inferred - prepared,
      postprocessing_ms: finished - inferred,
      total_ms: finished - started,
    },
  };
}
