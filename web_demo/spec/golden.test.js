/**
 * The JavaScript port against edgeseg's Python, on the golden vectors android_demo's Java library
 * is tested against: field-of-view box, square and padding, the model input, and the lesion
 * summary must be exactly equal; OpenCV's resize, Lab conversions and CLAHE bit for bit.
 * Run: node --test spec/   (from web_demo/: npm test)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clahe } from '../src/fundus/opencv/clahe.js';
import { labToRgb, rgbToLab } from '../src/fundus/opencv/lab.js';
import { resize } from '../src/fundus/opencv/resize.js';
import { outputToMaps, Preprocessing, squareToInput } from '../src/fundus/preprocessing.js';
import { lesionSummary } from '../src/fundus/summary.js';
import { compareArrays, goldenCases, readFloat32, readJson, readPng } from './golden-files.js';

const cases = goldenCases();

test('golden case folders are present', () => {
  assert.ok(cases.length >= 3, `expected at least the three photographs of make_golden.py, found ${cases.join(', ')}`);
});

/** The preprocessing of one case: the folder's metadata.json, else the shared one, with golden.json's square. */
function casePreprocessing(name, golden) {
  let metadata;
  try {
    metadata = readJson(name, 'metadata.json');
  } catch {
    metadata = readJson('metadata.json');
  }
  const preprocessing = Preprocessing.fromMetadata(metadata);
  if (golden.square?.size !== undefined) preprocessing.size = golden.square.size;
  if (golden.square?.clahe !== undefined) preprocessing.clahe = golden.square.clahe;
  return preprocessing;
}

for (const name of cases) {
  test(`golden ${name}: field-of-view box, square, model input and lesion summary equal the Python's`, () => {
    const golden = readJson(name, 'golden.json');
    const image = readPng(name, golden.image?.file ?? 'input.png');
    assert.equal(image.width, golden.image.width);
    assert.equal(image.height, golden.image.height);
    const preprocessing = casePreprocessing(name, golden);
    const prepared = preprocessing.prepare(image);
    const { box, padTop, padLeft, side } = prepared.geometry;
    assert.deepEqual([box.x0, box.y0, box.x1, box.y1], golden.field_of_view_box, 'field-of-view box');
    assert.deepEqual({ side, padTop, padLeft }, { side: golden.square.side, padTop: golden.square.pad_top, padLeft: golden.square.pad_left });

    // Every model input the case holds: "input" in the case's layout, and any "input_*" entry
    // in the layout it names (e.g. input_nchw).
    const layout = golden.layout ?? golden.input.layout;
    const inputs = Object.entries(golden).filter(([key, spec]) => (key === 'input' || key.startsWith('input_')) && spec?.file);
    for (const [key, spec] of inputs) {
      const inputLayout = spec.layout ?? layout;
      const input = squareToInput(prepared.modelSquare, inputLayout);
      const expected = readFloat32(name, spec.file);
      assert.equal(input.length, spec.shape.reduce((a, b) => a * b, 1), `${key}: size against its shape`);
      const { differing, largest } = compareArrays(input, expected);
      assert.equal(differing, 0, `${key}: ${differing} of ${input.length} model input values differ, by up to ${largest} of 255 (${inputLayout})`);
    }

    if (golden.output) {
      const lesions = golden.lesions;
      const size = preprocessing.size;
      const maps = outputToMaps(readFloat32(name, golden.output.file), size, lesions.length, layout);
      const summary = lesionSummary(maps, lesions, golden.thresholds, size);
      for (const lesion of lesions) {
        const { threshold, area_pixels, components } = summary[lesion];
        assert.deepEqual({ threshold, area_pixels, components }, golden.lesion_summary[lesion], `lesion summary of ${lesion}`);
      }
    }
  });
}

const opencv = readJson('opencv', 'cases.json');

for (const spec of opencv.resize) {
  test(`OpenCV resize ${spec.interpolation} to ${spec.width}x${spec.height} is bit-exact`, () => {
    const actual = resize(readPng('opencv', spec.input), spec.width, spec.height, spec.interpolation);
    const { differing, largest } = compareArrays(actual.pixels, readPng('opencv', spec.expected).pixels);
    assert.equal(differing, 0, `${differing} values differ, by up to ${largest}`);
  });
}

test('OpenCV 8-bit RGB to Lab and Lab to RGB are bit-exact', () => {
  const chart = readPng('opencv', opencv.lab.input);
  const toLab = compareArrays(rgbToLab(chart).pixels, readPng('opencv', opencv.lab.rgb_to_lab).pixels);
  assert.equal(toLab.differing, 0, `RGB2LAB: ${toLab.differing} values differ, by up to ${toLab.largest}`);
  const toRgb = compareArrays(labToRgb(chart).pixels, readPng('opencv', opencv.lab.lab_to_rgb).pixels);
  assert.equal(toRgb.differing, 0, `LAB2RGB: ${toRgb.differing} values differ, by up to ${toRgb.largest}`);
});

for (const spec of opencv.clahe) {
  test(`OpenCV CLAHE clip ${spec.clip_limit} tiles ${spec.tiles} is bit-exact`, () => {
    const input = readPng('opencv', spec.input);
    const plane = new Uint8Array(input.width * input.height).map((_, i) => input.pixels[i * 3]);
    const expected = readPng('opencv', spec.expected);
    const actual = clahe(plane, input.width, input.height, spec.clip_limit, spec.tiles);
    const { differing, largest } = compareArrays(actual, expected.pixels.filter((_, i) => i % 3 === 0));
    assert.equal(differing, 0, `${differing} values differ, by up to ${largest}`);
  });
}
