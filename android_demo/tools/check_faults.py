"""Put known faults into a copy of fundus-core, one at a time, and check that its JVM suite fails.

    python android_demo/tools/check_faults.py

A golden test only earns trust if it fails when what it checks is broken (issue #17). Each fault
below is a one-line change to the Java sources; the script copies ``android_demo/fundus-core`` to
a temporary folder (the working tree is never touched), applies the fault, runs
``run_jvm_tests.sh`` there and reads which tests failed. It prints one line per fault and exits
non-zero when a fault leaves the suite green or does not fail the tests named for it (other
tests may fail too).
About 10 s per fault on this machine; ``tests/android/test_fault_checks.py`` (marked slow) runs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[1] / "fundus-core"
SOURCES = Path("src/main/java/org/edgeseg/fundus")


@dataclass(frozen=True)
class Fault:
    """A one-line change to ``file`` (``old`` -> ``new``) and tests that must fail with it."""

    name: str
    file: str
    old: str
    new: str
    fails: frozenset[str]


PADDED = "PreprocessingGoldenTest.squareIsPaddedWherePythonPadsIt"
INPUT = "PreprocessingGoldenTest.modelInputEqualsPython"
GEOMETRY = "PreprocessingGoldenTest.geometryEqualsPython"
NCHW = "ModelInputGoldenTest.nchwInputEqualsPython"
GRADES = "ScreeningVerdictGoldenTest.gradesEqualPython"
REFERRAL = "ScreeningVerdictGoldenTest.referralEqualsPython"
LINES = "ScreeningVerdictGoldenTest.linesEqualPython"
NON_FINITE = "ScreeningVerdictGoldenTest.nonFiniteGradesAreTheSameError"
OUTPUTS = "ScreeningMetadataGoldenTest.taskAndOutputsEqualPython"
GRADING = "ScreeningMetadataGoldenTest.gradingEqualsPython"
FINDINGS = "FindingsGoldenTest.findingsAndVerdictArePythons"


def cases(test: str, *names: str) -> frozenset[str]:
    """``test`` on each golden case in ``names``."""
    return frozenset(f"{test}[{name}]" for name in names)


FAULTS = (
    Fault("padToSquare: left padding 0", "ImageTransforms.java",
          "int left = (side - image.width()) / 2;", "int left = 0;", frozenset({f"{PADDED}[tall]", f"{INPUT}[tall]"})),
    Fault("padToSquare: left padding rounded up", "ImageTransforms.java",
          "int left = (side - image.width()) / 2;", "int left = (side - image.width() + 1) / 2;",
          frozenset({f"{PADDED}[tall]", f"{INPUT}[tall]"})),
    Fault("padToSquare: top padding rounded up", "ImageTransforms.java",
          "int top = (side - image.height()) / 2;", "int top = (side - image.height() + 1) / 2;",
          frozenset({f"{PADDED}[flat]", f"{INPUT}[flat]"})),
    Fault("geometry: pad_left 0", "Preprocessing.java",
          "int padLeft = padSquare ? (side - box.width()) / 2 : 0;", "int padLeft = 0;", frozenset({f"{GEOMETRY}[tall]"})),
    Fault("geometry: pad_top rounded up", "Preprocessing.java",
          "int padTop = padSquare ? (side - box.height()) / 2 : 0;",
          "int padTop = padSquare ? (side - box.height() + 1) / 2 : 0;", frozenset({f"{GEOMETRY}[flat]"})),
    Fault("NCHW input indexed as NHWC", "ModelInput.java", "c * pixels + i;", "i * 3 + c;", frozenset({NCHW})),
    Fault("NCHW planes in BGR order", "ModelInput.java", "c * pixels + i;", "(2 - c) * pixels + i;", frozenset({NCHW})),
    Fault("NCHW with height and width swapped", "ModelInput.java", "c * pixels + i;",
          "c * pixels + (i % square.width()) * square.height() + i / square.width();", frozenset({NCHW})),
    # The screening verdict (ScreeningVerdict, PythonFormat) and the metadata it reads (ModelMetadata).
    Fault("refer only above the threshold (> for >=)", "ScreeningVerdict.java",
          "return referableProbability >= referableThreshold;", "return referableProbability > referableThreshold;",
          cases(REFERRAL, "exact_threshold_tie", "default_threshold_tie") | cases(LINES, "exact_threshold_tie", "default_threshold_tie")),
    Fault("referral compared in float32", "ScreeningVerdict.java",
          "return referableProbability >= referableThreshold;", "return (float) referableProbability >= (float) referableThreshold;",
          cases(REFERRAL, "float32_threshold_is_below") | cases(LINES, "float32_threshold_is_below")),
    Fault("argmax takes the last maximum", "ScreeningVerdict.java",
          "if (values[i] > values[best]) {", "if (values[i] >= values[best]) {",
          cases(GRADES, "dr_and_dme_ties_take_the_first", "all_classes_equal", "ties_in_the_last_classes")),
    Fault("NaN or infinite grades not refused", "ScreeningVerdict.java", "if (!Float.isFinite(value)) {", "if (false) {",
          cases(NON_FINITE, "nan_outputs", "infinite_outputs")),
    Fault("DR grade names off by one", "ScreeningVerdict.java",
          "return DR_NAMES.get(drGrade);", "return DR_NAMES.get(Math.min(drGrade + 1, DR_NAMES.size() - 1));",
          cases(GRADES, "moderate_npdr_refer", "mild_npdr") | cases(LINES, "moderate_npdr_refer", "mild_npdr")),
    Fault("DME risk names off by one", "ScreeningVerdict.java",
          "return DME_NAMES.get(dmeRisk);", "return DME_NAMES.get((dmeRisk + 1) % DME_NAMES.size());",
          cases(GRADES, "moderate_npdr_refer", "no_dr_no_referral")),
    Fault("output classes read from the second on", "ModelMetadata.java",
          'for (Object value : list(entry, "classes")) {', 'for (Object value : list(entry, "classes").subList(1, list(entry, "classes").size())) {',
          cases(OUTPUTS, "metadata_json", "screening_metadata_json") | {"ScreeningMetadataTest.classesAreTheVerdictsNamesInOrder"}),
    Fault("probability printed with String.format (half up)", "PythonFormat.java",
          "new BigDecimal(Math.abs(value)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();",
          'String.format(java.util.Locale.ROOT, "%." + decimals + "f", Math.abs(value));',
          cases(LINES, "prints_half_even_0125", "prints_half_even_0625")),
    Fault("the metadata's referral threshold ignored", "ModelMetadata.java",
          '? DEFAULT_REFERABLE_THRESHOLD : number(grading, "referable_threshold").doubleValue();',
          "? DEFAULT_REFERABLE_THRESHOLD : DEFAULT_REFERABLE_THRESHOLD;",
          cases(GRADING, "screening_metadata_json") | cases(REFERRAL, "float32_just_above_threshold")),
    Fault("no grading section: threshold 0 instead of 0.5", "ModelMetadata.java",
          "DEFAULT_REFERABLE_THRESHOLD = 0.5;", "DEFAULT_REFERABLE_THRESHOLD = 0.0;",
          cases(GRADING, "screening_metadata_without_grading_json") | cases(REFERRAL, "default_threshold_just_below")),
    Fault("a file without outputs refused", "ModelMetadata.java",
          'json.containsKey("outputs") ? list(json, "outputs") : Collections.singletonList(require(json, "output"));',
          'list(json, "outputs");', cases(OUTPUTS, "screening_metadata_without_outputs_json")),
    Fault("a file without task taken for a screening model", "ModelMetadata.java",
          ': SEGMENTATION;', ': "screening";', cases(OUTPUTS, "screening_metadata_without_outputs_json")),
    # The anatomy-aware findings and the grader on them (Findings, Grader; issue #28).
    Fault("quadrants: nasal and temporal swapped above the fovea", "Findings.java",
          "return superior ? (nasal ? 1 : 0) : (nasal ? 2 : 3);", "return superior ? (nasal ? 0 : 1) : (nasal ? 2 : 3);",
          cases(FINDINGS, "near", "far")),
    Fault("fovea looked for on the disc's far side", "Findings.java",
          "double temporal = centreX >= discX ? 1.0 : -1.0;", "double temporal = centreX >= discX ? -1.0 : 1.0;",
          cases(FINDINGS, "near", "far")),
    Fault("square field without the top padding", "Findings.java",
          "double y = padSquare ? box.y0() - geometry.padTop() +", "double y = padSquare ? box.y0() +", cases(FINDINGS, "far")),
    Fault("exudates near the fovea counted within 95 % of the radius", "Findings.java",
          "near[k] += dd <= NEAR_DD[k] ? 1 : 0;", "near[k] += dd <= 0.95 * NEAR_DD[k] ? 1 : 0;", cases(FINDINGS, "near", "far")),
    Fault("photograph summary: rows not shifted by the square's top padding", "PhotographSummary.java",
          "int rowOffset = padded ? geometry.padTop() : 0;", "int rowOffset = 0;", cases(FINDINGS, "far")),
    Fault("DME by location: near and far exudates swapped", "Grader.java",
          "dme[near > 0 && near >= ((Number) dmeHead.get(\"min_area\")).doubleValue() ? 2 : 1] = present;",
          "dme[near > 0 && near >= ((Number) dmeHead.get(\"min_area\")).doubleValue() ? 1 : 2] = present;",
          cases(FINDINGS, "near", "far")),
)

# JUnit 4's text runner lists failures as "1) method[parameter](package.Class)".
FAILURE = re.compile(r"^\d+\) (\w+)(\[\w+\])?\((?:\w+\.)*(\w+)\)$", re.MULTILINE)


def failed_tests(library: Path) -> tuple[set[str], str]:
    """Names (``Class.method[parameter]``) of the tests that fail in ``library``, and the log."""
    done = subprocess.run(["bash", str(library / "run_jvm_tests.sh")], capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    failed = {f"{cls}.{method}{parameter or ''}" for method, parameter, cls in FAILURE.findall(done.stdout)}
    if done.returncode != 0 and not failed:
        raise RuntimeError(f"run_jvm_tests.sh failed without a test failure (does it compile?):\n{log[-2000:]}")
    return failed, log


def check(fault: Fault, library: Path) -> set[str]:
    """The tests that fail with ``fault`` applied to the copy ``library`` (restored afterwards)."""
    source = library / SOURCES / fault.file
    original = source.read_text()
    if original.count(fault.old) != 1:
        raise RuntimeError(f"{SOURCES / fault.file}: expected one `{fault.old}`; update the fault in {Path(__file__).name}")
    source.write_text(original.replace(fault.old, fault.new))
    try:
        return failed_tests(library)[0]
    finally:
        source.write_text(original)


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        library = Path(temporary) / "fundus-core"
        shutil.copytree(LIBRARY, library)
        failed, log = failed_tests(library)
        if failed:
            print(f"the suite fails without a fault: {sorted(failed)}\n{log[-2000:]}")
            return 1
        problems = 0
        for fault in FAULTS:
            failed = check(fault, library)
            caught = fault.fails <= failed
            problems += not caught
            print(f"{'caught' if caught else 'NOT AS EXPECTED'}: {fault.name}: failed {sorted(failed) or 'nothing'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
