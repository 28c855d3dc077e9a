/**
 * The parts of the port the golden vectors do not reach: numpy's float32 threshold comparison,
 * the run-based component count used on full-size masks, the fundus check's messages, the
 * grading verdict and the naming of TFLite outputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fovMaskSmall, fundusProblem, retinaTooSmall } from '../src/fundus/fov.js';
import { gradingVerdict, NON_FINITE } from '../src/fundus/grading.js';
import { countComponents, countComponentsByRuns } from '../src/fundus/opencv/connected-components.js';
import { nameOutputs } from '../src/fundus/outputs.js';
import { RgbImage } from '../src/fundus/rgb-image.js';
import { lesionSummary } from '../src/fundus/summary.js';

test('a probability equal to the float32 threshold is in the mask, as numpy compares float32 maps', () => {
  const map = new Float32Array([Math.fround(0.3), 0.29, 0.31, 0]);
  assert.ok(Math.fround(0.3) > 0.3, 'float32(0.3) lies above the double 0.3');
  const summary = lesionSummary([map], ['MA'], { MA: 0.3 }, 2);
  assert.equal(summary.MA.area_pixels, 2);
});

test('counting components by runs equals flood-fill labelling, 8-connected', () => {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const density of [0.05, 0.3, 0.5, 0.7]) {
    const width = 97;
    const height = 61;
    const mask = Uint8Array.from({ length: width * height }, () => (random() < density ? 1 : 0));
    assert.equal(countComponentsByRuns((i) => mask[i], width, height), countComponents(mask, width, height), `density ${density}`);
  }
  // Diagonal neighbours join; a gap of one pixel separates.
  const diagonal = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(countComponentsByRuns((i) => diagonal[i], 3, 3), 1);
  const apart = Uint8Array.from([1, 0, 1, 0, 0, 0, 1, 0, 1]);
  assert.equal(countComponentsByRuns((i) => apart[i], 3, 3), 4);
});

function disc(width, height, rgb) {
  const image = RgbImage.black(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x - width / 2) ** 2 + (y - height / 2) ** 2 < (0.45 * height) ** 2) image.pixels.set(rgb, (y * width + x) * 3);
    }
  }
  return image;
}

test("the fundus check gives edgeseg's messages", () => {
  const check = (image) => fundusProblem(image, fovMaskSmall(image).mask);
  assert.equal(check(disc(160, 120, [180, 80, 30])), null);
  assert.equal(check(disc(160, 120, [120, 120, 120])), 'grayscale image; edgeseg needs a colour (RGB) fundus photograph');
  assert.equal(check(disc(160, 120, [10, 3, 1])), 'no field of view found (the image is almost entirely dark); is it a fundus photograph?');
  assert.equal(check(disc(160, 120, [60, 140, 200])),
    'does not look like a fundus photograph (mean RGB in the bright region 60/140/200; a retina is red-dominant)');
  for (const level of [0, 255]) {
    const blank = disc(160, 120, [level, level, level]);
    blank.pixels.fill(level);
    assert.equal(check(blank), 'blank frame (one colour everywhere); was the lens covered or the flash off?');
  }
});

test("a thumbnail's retina is too small to analyse, as edgeseg predict says", () => {
  const thumbnail = disc(32, 21, [180, 80, 30]);
  const { mask } = fovMaskSmall(thumbnail);
  assert.equal(retinaTooSmall(mask, thumbnail, 1, 32, 21),
    "too small: the retina is 19 px across, less than the 64 px edgeseg needs to see lesions; use the camera's full-resolution photograph");
  const photograph = disc(160, 120, [180, 80, 30]);
  assert.equal(retinaTooSmall(fovMaskSmall(photograph).mask, photograph, 1, 160, 120), null);
});

test('the verdict appears only with a grading head, with class names from the metadata when it has them', () => {
  assert.equal(gradingVerdict({}, { lesion_probs: new Float32Array(4) }), null);
  const outputs = { lesion_probs: new Float32Array(4), dr_probs: Float32Array.from([0.1, 0.1, 0.6, 0.1, 0.1]),
    dme_probs: Float32Array.from([0.2, 0.7, 0.1]), referable_prob: Float32Array.from([0.8]) };
  const plain = gradingVerdict({}, outputs);
  assert.deepEqual([plain.dr.grade, plain.dr.label, plain.dme.grade, plain.referable.referable], [2, '2: moderate NPDR', 1, true]);
  const named = gradingVerdict({ outputs: [{ name: 'dr_probs', classes: ['0', '1', '2', '3', '4'] }],
    grading: { referable_threshold: 0.9 } }, outputs);
  assert.equal(named.dr.label, '2');
  // Below the metadata's threshold, the moderate NPDR grade still refers (edgeseg/outputs.py, advises_referral).
  assert.deepEqual([named.referable.referable, named.referable.byGrades], [true, true]);
  const keyed = gradingVerdict({ outputs: { dme_probs: { classes: [{ name: 'none' }, { name: 'far' }, { name: 'near' }] } } }, outputs);
  assert.equal(keyed.dme.label, 'far');
});

test("NaN or infinite grades are an error with edgeseg's message, not a verdict", () => {
  const outputs = { dr_probs: Float32Array.from([0.1, 0.1, 0.6, 0.1, 0.1]), dme_probs: Float32Array.from([0.2, 0.7, 0.1]),
    referable_prob: Float32Array.from([0.8]) };
  assert.equal(gradingVerdict({}, outputs).referable.referable, true);
  for (const [name, value] of [['referable_prob', NaN], ['dr_probs', Infinity], ['dme_probs', -Infinity]]) {
    const broken = { ...outputs, [name]: outputs[name].map((v, i) => (i === 0 ? value : v)) };
    assert.throws(() => gradingVerdict({}, broken), { message: NON_FINITE });
  }
});

test('TFLite outputs are named by edgeseg name inside their own name, else by shape', () => {
  const spec = { outputName: 'lesion_probs' };
  assert.deepEqual(nameOutputs([{ name: 'StatefulPartitionedCall:0', shape: [1, 512, 512, 4] }], spec), ['lesion_probs']);
  assert.deepEqual(nameOutputs([
    { name: 'serving_default_output_2', shape: [1, 1] }, { name: 'serving_default_output_0', shape: [1, 64, 64, 4] },
    { name: 'serving_default_output_1', shape: [1, 5] }, { name: 'x_dme_probs', shape: [1, 3] }], spec),
  ['referable_prob', 'lesion_probs', 'dr_probs', 'dme_probs']);
});

test("a truncated JPEG or PNG is caught before decoding, with edgeseg's message", async () => {
  const { truncationProblem } = await import('../src/analysis.js');
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9, 0, 0]);
  assert.equal(truncationProblem(jpeg), null);
  assert.equal(truncationProblem(jpeg.subarray(0, 7)), 'truncated JPEG (no end-of-image marker)');
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  assert.equal(truncationProblem(png), null);
  assert.equal(truncationProblem(png.subarray(0, 16)), 'truncated PNG (no IEND chunk)');
});
