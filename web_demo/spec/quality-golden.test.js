/**
 * The page's image-quality measures and gate held to the goldens that the JVM library is held to
 * (export/golden/quality/cases.json, written from
 * edgeseg/data/quality.py by tools/make_golden.py): on every golden photograph the
 * six measures (clipped and blockiness exactly, the others within RELATIVE_TOLERANCE, justified
 * in src/fundus/quality.js), the intermediate quantities, and the reasons the gate read from the
 * golden metadata gives, word for word and in order; and the port's MEASURES table equal to Python's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fovMaskSmall, workCopy } from '../src/fundus/fov.js';
import {
  EXACT_MEASURES, MEASURES, measureQualityDetails, measureQualityOf, qualityGate, qualityReasons, RELATIVE_TOLERANCE, retakeMessage,
} from '../src/fundus/quality.js';
import { readJson, readPng } from './golden-files.js';

const golden = readJson('quality', 'cases.json');
const metadata = readJson('quality', golden.metadata);
const worst = {};

function assertClose(actual, expected, message) {
  const difference = Math.abs(actual - expected);
  assert.ok(difference <= RELATIVE_TOLERANCE * Math.abs(expected),
    `${message}: ${actual}, Python ${expected} (relative ${difference / Math.abs(expected)})`);
}

test('quality golden: MEASURES (names, order, directions, words) equal Python\'s', () => {
  assert.deepEqual(Object.entries(MEASURES).map(([name, entry]) => [name, [...entry]]), Object.entries(golden.measures_table));
  assert.deepEqual([...EXACT_MEASURES], golden.exact_measures);
});

test('quality golden: the gate read from the metadata is Python\'s', () => {
  assert.deepEqual(qualityGate(metadata), golden.gate);
  assert.equal(qualityGate(readJson('metadata.json')), null, 'a model without quality_gate has no gate');
  assert.throws(() => qualityGate({ quality_gate: { sharpness: { max: 0.1 } } }), /quality_gate: 'sharpness'/);
  assert.throws(() => qualityGate({ quality_gate: { focus: { min: 0.1 } } }), /quality_gate: 'focus'/);
});

for (const expected of golden.cases) {
  test(`quality golden ${expected.name}: measures and reasons equal Python's`, () => {
    const image = readPng('quality', expected.image);
    assert.deepEqual([image.width, image.height], [expected.width, expected.height]);
    const { small, scale } = workCopy(image);
    const { measures, details } = measureQualityDetails(image, small, fovMaskSmall(small).mask, scale);
    for (const name of Object.keys(MEASURES)) {
      if (EXACT_MEASURES.includes(name)) {
        assert.equal(measures[name], expected.measures[name], name);
      } else {
        assertClose(measures[name], expected.measures[name], name);
        const relative = expected.measures[name] === 0 ? Math.abs(measures[name]) : Math.abs(measures[name] / expected.measures[name] - 1);
        worst[name] = Math.max(worst[name] ?? 0, relative);
      }
    }
    const { enclosing_radius: radius, ...exact } = details;
    const { enclosing_radius: expectedRadius, ...expectedExact } = expected.details;
    assert.deepEqual(exact, expectedExact, 'work copy, field-of-view pixels, erosion radius and pixels after the erosion');
    if (expectedRadius !== undefined) assertClose(radius, expectedRadius, 'enclosing radius');
    assert.deepEqual(measureQualityOf(image), measures, 'measureQualityOf finds the same work copy');
    const reasons = qualityReasons(measures, qualityGate(metadata));
    assert.deepEqual(reasons, expected.reasons);
    assert.equal(reasons.length ? retakeMessage(reasons) : null, expected.message, "retake_message of quality.py");
  });
}

test('quality golden: the cases cover passing, failing, several reasons and a value exactly at a bound', () => {
  const reasons = golden.cases.map((item) => item.reasons.length);
  assert.ok(reasons.includes(0) && reasons.some((n) => n === 1) && reasons.some((n) => n > 1));
  const atBound = golden.cases.filter((item) => Object.entries(golden.gate)
    .some(([name, bound]) => Object.values(bound)[0] === item.measures[name]));
  assert.ok(atBound.length > 0 && atBound.every((item) => item.reasons.length === 0), 'a value at its bound passes');
  console.log(`worst relative difference from Python: ${JSON.stringify(worst)}`);
});

test('quality gate: bounds are inclusive both ways, words in MEASURES order', () => {
  const bounds = { sharpness: { min: 0.2 }, clipped: { max: 0.05 }, coverage: { min: 0.9 } };
  const measures = { sharpness: 0.2, contrast: 0, brightness: 0, clipped: 0.05, coverage: 0.9, blockiness: 99 };
  assert.deepEqual(qualityReasons(measures, bounds), []);
  const worse = { ...measures, sharpness: 0.19999, clipped: 0.05001, coverage: 0.89 };
  assert.deepEqual(qualityReasons(worse, bounds), ['blurred', 'over-exposed', 'retina cut by the frame']);
  assert.deepEqual(qualityReasons(worse, null), []);
  assert.equal(retakeMessage(['blurred', 'too dark']), 'retake: blurred, too dark (ungradable: no verdict)');
});

test('page: the gate in the metadata stops a photograph before the model runs, and lets a gradable one through', async () => {
  const { analysePhotograph, modelSpec, UngradablePhotograph } = await import('../src/analysis.js');
  const spec = modelSpec(metadata);
  assert.deepEqual(spec.qualityGate, golden.gate);
  const size = spec.preprocessing.size;
  let runs = 0;
  const engine = { run: async () => { runs++; return { lesion_probs: new Float32Array(size * size * metadata.lesions.length) }; } };
  const stopped = golden.cases.find((item) => item.name === 'dark_blurred');
  await assert.rejects(analysePhotograph(readPng('quality', stopped.image), 'dark_blurred.png', spec, metadata, engine),
    (error) => error instanceof UngradablePhotograph && error.message === `dark_blurred.png: ${retakeMessage(stopped.reasons)}`
      && error.message === 'dark_blurred.png: retake: blurred, too dark (ungradable: no verdict)');
  assert.equal(runs, 0, 'the model does not run on an ungradable photograph');
  const result = await analysePhotograph(readPng('quality', 'sharp.png'), 'sharp.png', spec, metadata, engine);
  assert.equal(runs, 1);
  assert.equal(result.summary.gradable, true);
  const sharp = golden.cases.find((item) => item.name === 'sharp').measures;
  for (const name of Object.keys(MEASURES)) {
    assert.ok(Math.abs(result.summary.quality[name] - sharp[name]) <= 1e-5 * Math.max(1, Math.abs(sharp[name])), name);
  }
  const ungated = await analysePhotograph(readPng('quality', 'dark_blurred.png'), 'dark_blurred.png', modelSpec(readJson('metadata.json')),
    readJson('metadata.json'), engine);
  assert.equal(ungated.summary.gradable, undefined, 'a model without a gate grades every photograph, as before');
});
