/**
 * The page's copy of the model's output contract equals its one home, edgeseg/outputs.py, as the
 * golden maker writes it (tools/make_golden.py: screening/cases.json): the output
 * names in order, the DR and DME class names and the referral rule.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CLASSES, GRADING_OUTPUTS, REFERABLE_RULE } from '../src/fundus/grading.js';
import { KNOWN } from '../src/fundus/outputs.js';

const GOLDEN = new URL('../../export/golden/', import.meta.url);
const contract = JSON.parse(readFileSync(new URL('screening/cases.json', GOLDEN), 'utf8'));
const numbered = (names) => names.map((name, grade) => `${grade}: ${name}`);

test('output names are edgeseg/outputs.py\'s, in its order', () => {
  assert.deepEqual(GRADING_OUTPUTS, contract.grading_outputs);
  assert.deepEqual(KNOWN, [contract.lesion_output, ...contract.grading_outputs]);
});

test('class names are edgeseg/outputs.py\'s DR_CLASSES and DME_CLASSES', () => {
  assert.deepEqual(DEFAULT_CLASSES.dr_probs, numbered(contract.dr_names));
  assert.deepEqual(DEFAULT_CLASSES.dme_probs, numbered(contract.dme_names));
});

test('the referral rule is edgeseg/outputs.py\'s REFERABLE_DR and REFERABLE_DME', () => {
  assert.deepEqual(REFERABLE_RULE, contract.referable_rule);
});
