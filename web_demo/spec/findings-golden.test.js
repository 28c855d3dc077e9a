/**
 * The page's anatomy-aware findings and grader held to Python's goldens
 * (export/golden/findings/cases.json, written from
 * edgeseg/screening by tools/make_golden.py): on each synthetic photograph the
 * square's field of view, the disc and fovea and the lesion counts exactly, the distances, areas,
 * features and graded probabilities to 1e-9, the words word for word; and the port's constants
 * equal to Python's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANATOMY, findFindings, findingsRecord, findingWords, locateAnatomy, NEAR_DD, QUADRANT_LESIONS, QUADRANTS, squareField } from '../src/fundus/findings.js';
import { FEATURES, featureVector, gradeFindings } from '../src/fundus/grader.js';
import { Preprocessing } from '../src/fundus/preprocessing.js';
import { readFloat32, readJson, readPng } from './golden-files.js';

const golden = readJson('findings', 'cases.json');
const metadata = readJson('findings', '..', golden.metadata);
const TOLERANCE = 1e-9;

const close = (actual, expected, message) => assert.ok(Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)),
  `${message}: ${actual}, Python ${expected}`);

test('findings golden: the constants are Python\'s', () => {
  const c = golden.constants;
  assert.deepEqual(ANATOMY, {
    discDiameterShare: c.disc_diameter_share, discInner: c.disc_inner, discOuter: c.disc_outer, foveaDistance: c.fovea_distance,
    foveaDrop: c.fovea_drop, foveaSearch: c.fovea_search, minFieldShare: c.min_field_share,
  });
  assert.deepEqual(QUADRANTS, c.quadrants);
  assert.deepEqual(QUADRANT_LESIONS, c.quadrant_lesions);
  assert.deepEqual(NEAR_DD, c.near_dd);
  assert.deepEqual(Object.keys(FEATURES), golden.feature_names);
});

for (const expected of golden.cases) {
  test(`findings golden ${expected.name}: ${expected.about}`, () => {
    const p = metadata.preprocessing;
    const preprocessing = new Preprocessing({ size: p.size, clahe: p.clahe.enabled, clipLimit: p.clahe.clip_limit, tileGrid: p.clahe.tile_grid });
    const image = readPng('findings', expected.image);
    const geometry = preprocessing.geometry(image);
    const { modelSquare } = preprocessing.prepare(image, geometry);
    const size = preprocessing.size;
    const field = squareField({ ...geometry, imageWidth: image.width, imageHeight: image.height }, size);
    const rows = Array.from({ length: size }, (_, y) => field.subarray(y * size, (y + 1) * size).reduce((a, b) => a + b, 0));
    assert.deepEqual(rows, expected.field_rows, 'field of view per square row');
    const anatomy = locateAnatomy(modelSquare, field);
    assert.deepEqual([anatomy.discX, anatomy.discY, anatomy.foveaX, anatomy.foveaY],
      [expected.anatomy.disc_x, expected.anatomy.disc_y, expected.anatomy.fovea_x, expected.anatomy.fovea_y], 'disc and fovea');
    close(anatomy.discDiameter, expected.anatomy.disc_diameter, 'disc diameter');
    const flat = readFloat32('findings', expected.maps);
    const maps = metadata.lesions.map((_, index) => flat.subarray(index * size * size, (index + 1) * size * size));
    const findings = findFindings(maps, metadata.lesions, golden.thresholds, field, anatomy, size);
    for (const [lesion, entry] of Object.entries(expected.lesions)) {
      assert.equal(findings.lesions[lesion].components, entry.components, `${lesion} components`);
      close(findings.lesions[lesion].areaShare, entry.area_share, `${lesion} area`);
      close(findings.lesions[lesion].maxProbability, entry.max_probability, `${lesion} largest probability`);
    }
    assert.deepEqual(findings.perQuadrant, expected.per_quadrant);
    close(findings.exudateDistance, expected.exudate_distance_dd, 'nearest exudate (DD)');
    for (const [dd, share] of Object.entries(expected.exudates_within_dd)) close(findings.exudatesWithin[Number(dd)], share, `exudates within ${dd} DD`);
    assert.deepEqual(findingWords(findings, expected.summary), expected.words);
    const record = findingsRecord(findings, { ...geometry, imageWidth: image.width, imageHeight: image.height }, size, expected.summary);
    for (const [part, keys] of [['optic_disc', ['x', 'y', 'diameter_px']], ['fovea', ['x', 'y']]]) {
      for (const key of keys) {
        assert.ok(Math.abs(record[part][key] - expected.record[part][key]) <= 0.05 + 1e-9, `${part}.${key} on the photograph: ${record[part][key]}, Python ${expected.record[part][key]}`);
      }
    }
    const features = featureVector(findings, expected.summary, golden.feature_names);
    golden.feature_names.forEach((name, index) => close(features[index], expected.features[name], name));
    for (const [name, grader] of Object.entries(golden.graders)) {
      const graded = gradeFindings(grader, findings, expected.summary);
      for (const key of ['dr_probs', 'dme_probs']) graded[key].forEach((value, k) => close(value, expected.graded[name][key][k], `${name} ${key}[${k}]`));
      close(graded.referable_prob, expected.graded[name].referable_prob, `${name} referable_prob`);
    }
  });
}
