/**
 * The page's grading verdict held to the screening goldens that the JVM library is held to
 * (export/golden/screening/cases.json, written from edgeseg's
 * Python by tools/make_golden.py): the same DR grade, DME risk, referral threshold and
 * referral on every case, and the same error for NaN or infinite grades.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gradingVerdict } from '../src/fundus/grading.js';

const GOLDEN = new URL('../../export/golden/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('screening/cases.json', GOLDEN), 'utf8'));

for (const golden of cases.verdicts) {
  test(`screening golden ${golden.name}`, () => {
    const metadata = JSON.parse(readFileSync(new URL(golden.metadata, GOLDEN), 'utf8'));
    const outputs = Object.fromEntries(Object.entries(golden.outputs).map(([name, values]) => [name, Float32Array.from(values)]));
    if (golden.error) {
      assert.throws(() => gradingVerdict(metadata, outputs), { message: golden.error });
      return;
    }
    const verdict = gradingVerdict(metadata, outputs);
    if (golden.verdict === null) {
      assert.equal(verdict, null);
      return;
    }
    const expected = golden.verdict;
    assert.equal(verdict.dr.grade, expected.dr_grade, 'DR grade');
    assert.equal(verdict.dme.grade, expected.dme_risk, 'DME risk');
    assert.equal(verdict.referable.threshold, expected.referable_threshold, 'referral threshold');
    assert.equal(verdict.referable.referable, expected.refer, `refer at probability ${verdict.referable.probability}`);
    assert.equal(verdict.referable.byGrades, expected.refer_by_grades, 'referred by the grades alone');
  });
}
