/**
 * A probability exactly at a lesion's threshold is in its mask, as in edgeseg's Python
 * (`maps >= threshold`, numpy comparing float32 with the threshold in float32); one float32 step
 * below it is not. Issue #35: `>` in place of `>=` passed every other test, no map holding a value
 * equal to a threshold.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lesionSummary, photographSummary } from '../src/fundus/summary.js';

const THRESHOLD = 0.3; // not exact in binary: float32(0.3) = 0.30000001192...
const AT = Math.fround(THRESHOLD);
const BELOW = Math.fround(AT - 2 ** -25); // the float32 just below it

function map(size, values) {
  const out = new Float32Array(size * size);
  values.forEach(([index, value]) => { out[index] = value; });
  return out;
}

test('lesionSummary: a value at the threshold is in the mask, one float32 below is not', () => {
  const size = 4;
  const summary = lesionSummary([map(size, [[0, AT], [15, BELOW]])], ['MA'], { MA: THRESHOLD }, size);
  assert.equal(summary.MA.area_pixels, 1);
  assert.equal(summary.MA.mask[0], 1);
  assert.equal(summary.MA.mask[15], 0);
});

test('photographSummary: the same tie on the photograph\'s pixels', () => {
  const size = 4;
  const geometry = { box: { x0: 0, y0: 0, x1: 4, y1: 4 }, imageWidth: 4, imageHeight: 4, side: 4, padTop: 0, padLeft: 0 };
  const metadata = { lesions: ['MA'], thresholds: { MA: THRESHOLD } };
  const at = new Float32Array(size * size).fill(AT);
  const below = new Float32Array(size * size).fill(BELOW);
  assert.equal(photographSummary([at], size, geometry, metadata, 16).summary.lesions.MA.area_pixels, 16);
  assert.equal(photographSummary([below], size, geometry, metadata, 16).summary.lesions.MA.area_pixels, 0);
});
