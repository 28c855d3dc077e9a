"""The fault catalogue: plausible bugs, each a one-place change to a Python, JavaScript or Java
source, with the tests that must catch it (issue #35). ``python -m tests.faults.check`` puts them
into a copy of the project one at a time. A bug fixed from now on gets its fault here, beside the
test that now catches it.

A fault names the file (from the project's root), the text it replaces (found exactly once), the
text it puts in, the tests to run (pytest node ids; ``node --test`` spec files, from ``web_demo``;
the whole JVM suite for Java) and the tests that must fail (by default, for Python, every test
run; for JavaScript, substrings of failing test titles, or any failure when none is named;
for Java, ``Class.method[case]`` names).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """``old`` -> ``new`` in ``file``: ``tests`` run, ``fails`` (or all of ``tests``, for Python) must fail."""

    name: str
    language: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...] = ()
    fails: frozenset[str] = frozenset()

    @property
    def must_fail(self) -> tuple[str, ...]:
        if self.fails or self.language != "python":
            return tuple(sorted(self.fails))
        return self.tests


def python(name: str, file: str, old: str, new: str, *tests: str) -> Fault:
    return Fault(name, "python", f"edgeseg/{file}", old, new, tests)


def javascript(name: str, file: str, old: str, new: str, *tests: str, fails: frozenset[str] = frozenset()) -> Fault:
    return Fault(name, "javascript", f"web_demo/src/fundus/{file}", old, new, tuple(f"spec/{test}" for test in tests), fails)


def java(name: str, file: str, old: str, new: str, fails: frozenset[str]) -> Fault:
    return Fault(name, "java", f"android_demo/fundus-core/src/main/java/org/edgeseg/fundus/{file}", old, new, (), fails)


# Python: the input contract, the parity verdict, int8 calibration, the Core ML check, the
# screening verdict and findings, the quality gate, EXIF orientation.
CONTRACT = "tests/inference/test_input_contract.py"
PARITY = "tests/inference/test_parity_criteria.py"
GOLDENS_FRESH = "tests/android/test_golden_fresh.py::test_committed_goldens_equal_a_fresh_run"
FINDINGS_TESTS = "tests/screening/test_findings.py"
QUALITY_TESTS = "tests/data/test_quality.py"

PYTHON_FAULTS = (
    python("padding: the odd pixel before the box (ceil for floor)", "inference/preprocessing.py",
           "top, left = (side - box.height) // 2, (side - box.width) // 2",
           "top, left = -(-(side - box.height) // 2), -(-(side - box.width) // 2)",
           f"{CONTRACT}::test_the_padding_puts_the_odd_pixel_after_the_box"),
    python("SquareGeometry.from_dict reads image_size as (height, width)", "inference/preprocessing.py",
           '(width, height), (top, left) = data["image_size"]', '(height, width), (top, left) = data["image_size"]',
           f"{CONTRACT}::test_geometry_round_trips_on_a_photograph_that_is_not_square"),
    python("the card's CLAHE tile grid ignored (8 whatever it says)", "inference/preprocessing.py",
           'clahe_tiles=int(settings.get("tile_grid", cls.clahe_tiles)),', "clahe_tiles=8,",
           f"{CONTRACT}::test_clahe_settings_other_than_the_defaults_reach_the_square_and_the_metadata"),
    python("the metadata records CLAHE clip 2.0 whatever was set", "inference/preprocessing.py",
           '"clip_limit": self.clahe_clip,', '"clip_limit": 2.0,',
           f"{CONTRACT}::test_clahe_settings_other_than_the_defaults_reach_the_square_and_the_metadata"),
    python("map back: the square's crop one row low", "inference/preprocessing.py",
           "return restored[geometry.top : geometry.top + box.height, geometry.left : geometry.left + box.width]",
           "return restored[geometry.top + 1 : geometry.top + 1 + box.height, geometry.left : geometry.left + box.width]",
           "tests/web/test_node_port.py::test_map_back_equals_opencv_bilinear_resize"),
    python("parity: the AUPR drop's sign flipped", "inference/parity.py",
           "return self.aupr_reference - self.aupr_file", "return self.aupr_file - self.aupr_reference",
           f"{PARITY}::test_a_reordered_ranking_fails_on_the_aupr_drop_alone",
           f"{PARITY}::test_a_file_that_ranks_better_than_its_reference_is_not_a_drop"),
    python("parity: the int8 mean |diff| bound 10x looser", "inference/parity.py",
           '"int8": Tolerance(None, 1e-2,', '"int8": Tolerance(None, 1e-1,',
           f"{PARITY}::test_a_shifted_output_fails_on_the_mean_alone"),
    python("parity: every fp32 bound 10x looser", "inference/parity.py",
           '"fp32": Tolerance(1e-4, 1e-5, 0.999, 0.001, 1.0, 1e-4),', '"fp32": Tolerance(1e-3, 1e-4, 0.99, 0.01, 1.0, 1e-3),',
           f"{PARITY}::test_one_large_difference_fails_fp32_on_the_largest_difference_alone"),
    python("parity: mask Dice never judged", "inference/parity.py",
           "if item.mask_dice < tolerance.min_mask_dice:", "if False:",
           f"{PARITY}::test_moved_masks_fail_on_dice_alone"),
    python("parity: grade agreement ignores DME", "inference/parity.py",
           " and np.argmax(mine[DME_OUTPUT]) == np.argmax(theirs[DME_OUTPUT])", "",
           f"{PARITY}::test_grades_that_differ_in_one_image_fail_fp32"),
    python("int8 calibrated on uniform noise", "export/exporter.py",
           'squares = [item.square for item in calibration.squares] if calibration is not None else []',
           'squares = [__import__("numpy").random.default_rng(0).integers(0, 256, item.square.shape).astype("uint8") '
           'for item in calibration.squares] if calibration is not None else []',
           "tests/export/test_calibration_set.py"),
    python("int8 calibrated on one image whatever --calib-images says", "export/exporter.py",
           'squares = [item.square for item in calibration.squares] if calibration is not None else []',
           'squares = [calibration.squares[0].square] * len(calibration.squares) if calibration is not None else []',
           "tests/export/test_calibration_set.py"),
    python("Core ML spec check blind to a missing normalisation", "export/verify.py",
           "    if multiply is None:\n", "    if False:\n",
           "tests/export/test_coreml_normalisation.py"),
    python("verdict: refer only above the threshold (> for >=)", "outputs.py",
           "return bool(probability >= threshold) or bool(referable(dr_grade, dme_risk))",
           "return bool(probability > threshold) or bool(referable(dr_grade, dme_risk))",
           GOLDENS_FRESH),
    python("verdict: referable grades below the threshold advised no referral", "outputs.py",
           "return bool(probability >= threshold) or bool(referable(dr_grade, dme_risk))", "return bool(probability >= threshold)",
           GOLDENS_FRESH, "tests/test_predict.py::test_referable_grades_refer_below_the_threshold"),
    python("verdict: argmax takes the last maximum", "predict/verdict.py",
           "dr_grade, dme_risk = int(np.argmax(dr)), int(np.argmax(dme))",
           "dr_grade, dme_risk = int(len(dr) - 1 - np.argmax(np.asarray(dr)[::-1])), int(np.argmax(dme))",
           GOLDENS_FRESH),
    python("referral threshold blind to the referrals the grades make", "metrics/grading.py",
           "needed = int(np.ceil(sensitivity * truth.sum())) - int((truth & by_grades).sum())",
           "needed = int(np.ceil(sensitivity * truth.sum()))",
           "tests/metrics/test_grading.py::test_the_referral_threshold_counts_the_referrals_the_grades_make"),
    python("the advice's specificity counted as its false-positive rate", "metrics/grading.py",
           'specificity = float((~referred[~truth]).mean()) if not truth.all() else float("nan")',
           'specificity = float(referred[~truth].mean()) if not truth.all() else float("nan")',
           "tests/metrics/test_grading.py::test_the_referral_rates_count_referrals_among_the_referable_and_the_others",
           "tests/cli/test_eval.py::test_grading_eval_scores_the_referral_advice_predict_gives"),
    python("referral rule: DR grade above moderate only (> for >=)", "outputs.py",
           "return (np.asarray(dr) >= REFERABLE_DR) | (np.asarray(dme) == REFERABLE_DME)",
           "return (np.asarray(dr) > REFERABLE_DR) | (np.asarray(dme) == REFERABLE_DME)",
           "tests/metrics/test_grading.py"),
    python("golden lesion summary: a value at the threshold left out", "export/golden.py",
           "mask = (maps[index] >= thresholds[lesion]).astype(np.uint8)", "mask = (maps[index] > thresholds[lesion]).astype(np.uint8)",
           GOLDENS_FRESH),
    python("quality gate: a value at its bound stopped", "data/quality.py",
           'if (kind == "min" and values[name] < bound) or (kind == "max" and values[name] > bound):',
           'if (kind == "min" and values[name] <= bound) or (kind == "max" and values[name] >= bound):',
           f"{QUALITY_TESTS}::test_the_gate_is_inclusive_at_its_bounds_and_names_each_reason"),
    python("quality: sharpness from the coarse residual", "data/quality.py",
           "fine = green - cv2.GaussianBlur(green, (0, 0), FINE_SIGMA)", "fine = green - cv2.GaussianBlur(green, (0, 0), COARSE_SIGMA / 2)",
           QUALITY_TESTS),
    python("findings: superonasal and superotemporal swapped", "screening/findings.py",
           "return np.where(is_superior, np.where(is_nasal, 1, 0), np.where(is_nasal, 2, 3))",
           "return np.where(is_superior, np.where(is_nasal, 0, 1), np.where(is_nasal, 2, 3))",
           f"{FINDINGS_TESTS}::test_quadrants_follow_the_disc_side"),
    python("anatomy: the fovea looked for on the disc's far side", "screening/anatomy.py",
           "temporal = 1.0 if centre_x >= disc_x else -1.0", "temporal = -1.0 if centre_x >= disc_x else 1.0",
           FINDINGS_TESTS),
    python("grader: DME near and far exudates swapped", "screening/grader.py",
           "risk = 2 if near > 0 and near >= self.min_area else 1", "risk = 1 if near > 0 and near >= self.min_area else 2",
           f"{FINDINGS_TESTS}::test_a_grader_reads_the_location_of_the_exudates"),
    python("run log: steps not written before the resume state (the log falls behind it)", "train/engine.py",
           "            session.log.flush()\n        saved_position", "            pass\n        saved_position",
           "tests/train/test_engine.py::test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run"),
    python("run log: steps rewritten on every step (time quadratic in the run)", "train/runlog.py",
           "        self._steps.append(row)\n        self._unwritten_steps = True\n",
           "        self._steps.append(row)\n        self._unwritten_steps = True\n        self.flush()\n",
           "tests/train/test_runlog.py::test_steps_are_written_on_flush_and_at_each_epoch_not_on_every_step"),
    python("run status: epochs read from the log's epoch column, which restarts with each stage", "train/status.py",
           "epochs_done=len(rows),", 'epochs_done=int(rows[-1]["epoch"]) if rows else 0,',
           "tests/train/test_status.py::test_status_counts_epochs_across_stages_and_finds_the_last_and_the_best_validation"),
    python("run status: the best validation is the lowest", "train/status.py",
           "best = max(validations,", "best = min(validations,",
           "tests/train/test_status.py::test_status_counts_epochs_across_stages_and_finds_the_last_and_the_best_validation"),
    python("CMYK JPEG decoded by OpenCV (one level off the browsers' pixels)", "fileio.py",
           "    if _is_cmyk_jpeg(data):\n", "    if False:\n",
           "tests/test_fileio.py::test_a_cmyk_jpeg_decodes_as_browsers_do"),
    python("EXIF orientation 6 turned the wrong way", "fileio.py",
           "6: lambda a: np.rot90(a, -1)", "6: lambda a: np.rot90(a, 1)",
           "tests/test_predict.py::test_predict_turns_a_photograph_upright_by_its_exif_orientation_as_a_browser_does"),
    python("EXIF orientation ignored", "fileio.py",
           "return np.ascontiguousarray(turned(image)) if turned else image", "return image",
           "tests/test_predict.py::test_predict_turns_a_photograph_upright_by_its_exif_orientation_as_a_browser_does"),
)

# JavaScript: the page's port (web_demo/src/fundus), held to Python's goldens by node tests.
JAVASCRIPT_FAULTS = (
    javascript("CLAHE tile grid read from a wrong key", "preprocessing.js",
               "tileGrid: Number(claheSpec.tile_grid ?? 8),", "tileGrid: Number(claheSpec.tiles ?? 8),", "golden.test.js"),
    javascript("CLAHE clip limit at the default whatever the metadata says", "preprocessing.js",
               "clipLimit: Number(claheSpec.clip_limit ?? 2.0),", "clipLimit: 2.0,", "golden.test.js"),
    javascript("square padded at the top by half the difference rounded up", "preprocessing.js",
               "const padTop = this.padSquare ? (side - boxHeight) >> 1 : 0;",
               "const padTop = this.padSquare ? (side - boxHeight + 1) >> 1 : 0;", "golden.test.js", fails=frozenset({"golden flat"})),
    javascript("square never padded on the left", "preprocessing.js",
               "const padLeft = this.padSquare ? (side - boxWidth) >> 1 : 0;", "const padLeft = 0;", "golden.test.js",
               fails=frozenset({"golden tall"})),
    javascript("lesion summary: a value at the threshold left out", "summary.js",
               "mask[i] = map[i] >= cut ? 1 : 0;", "mask[i] = map[i] > cut ? 1 : 0;", "threshold-ties.test.js",
               fails=frozenset({"lesionSummary"})),
    javascript("photograph summary: a value at the threshold left out", "summary.js",
               "if (p >= cut) {", "if (p > cut) {", "threshold-ties.test.js", fails=frozenset({"photographSummary"})),
    javascript("referral only above the threshold (> for >=)", "grading.js",
               "const byProbability = probability >= threshold;", "const byProbability = probability > threshold;",
               "screening-golden.test.js", fails=frozenset({"exact_threshold_tie"})),
    javascript("referable grades below the threshold advised no referral", "grading.js",
               "referable: byProbability || gradesReferable,", "referable: byProbability,", "screening-golden.test.js",
               fails=frozenset({"moderate_npdr_below_threshold_refers", "dme_near_macula_below_threshold_refers"})),
    javascript("the metadata's referral threshold ignored", "grading.js",
               "Number(metadata?.grading?.referable_threshold ?? DEFAULT_REFERABLE_THRESHOLD)", "Number(DEFAULT_REFERABLE_THRESHOLD)",
               "screening-golden.test.js", fails=frozenset({"float32_just_above_threshold"})),
    javascript("argmax takes the last maximum", "grading.js",
               "if (values[i] > values[best]) best = i;", "if (values[i] >= values[best]) best = i;", "screening-golden.test.js",
               fails=frozenset({"all_classes_equal"})),
    javascript("quality gate: a value at its bound stopped", "quality.js",
               "if ((kind === 'min' && value < bound) || (kind === 'max' && value > bound)) found.push(word);",
               "if ((kind === 'min' && value <= bound) || (kind === 'max' && value >= bound)) found.push(word);",
               "quality-golden.test.js"),
    javascript("quality: sharpness from the coarse residual", "quality.js",
               "const sharpness = contrast > 0 ? maskedStd(fine, inner) / contrast : 0;",
               "const sharpness = contrast > 0 ? maskedStd(coarse, inner) / contrast / 2 : 0;", "quality-golden.test.js"),
    javascript("quality: blockiness on the wrong block edge", "quality.js",
               "if (j % BLOCK === BLOCK - 1) {", "if (j % BLOCK === BLOCK - 2) {", "quality-golden.test.js"),
    javascript("findings: superonasal and superotemporal swapped", "findings.js",
               "return superior ? (nasal ? 1 : 0) : (nasal ? 2 : 3);", "return superior ? (nasal ? 0 : 1) : (nasal ? 2 : 3);",
               "findings-golden.test.js"),
    javascript("findings: the fovea looked for on the disc's far side", "findings.js",
               "const temporal = centreX >= discX ? 1.0 : -1.0;", "const temporal = centreX >= discX ? -1.0 : 1.0;",
               "findings-golden.test.js"),
    javascript("findings: exudates near the fovea within 95 % of the radius", "findings.js",
               "NEAR_DD.forEach((dd, k) => { if (distance <= dd) near[k]++; });",
               "NEAR_DD.forEach((dd, k) => { if (distance <= 0.95 * dd) near[k]++; });", "findings-golden.test.js"),
    javascript("grader: DME near and far exudates swapped", "grader.js",
               "dme[near > 0 && near >= grader.dme.min_area ? 2 : 1] = present;",
               "dme[near > 0 && near >= grader.dme.min_area ? 1 : 2] = present;", "findings-golden.test.js"),
)

# Java: the Android library (android_demo/fundus-core), held to Python's goldens by its JUnit suite.
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


COUNTER = "ComponentCounterTest"
JAVA_FAULTS = (
    # The lesion summary's component count, row by row (ComponentCounter).
    java("components counted 4-connected", "opencv/ComponentCounter.java",
          "for (int j = cursor; j < previousRuns && previousStarts[j] <= end + 1; j++) {",
          "for (int j = cursor; j < previousRuns && previousStarts[j] <= end; j++) {",
          frozenset({f"{COUNTER}.shapesThatJoinLateOrTouchAtACornerAreOne", f"{COUNTER}.randomMasksOfEveryDensityCountAsTheLabelImage"})),
    java("two components found to be one still counted as two", "opencv/ComponentCounter.java",
          "                    parent[root] = label;  // two components found to be one\n                    count--;\n",
          "                    parent[root] = label;  // two components found to be one\n",
          frozenset({f"{COUNTER}.shapesThatJoinLateOrTouchAtACornerAreOne", f"{COUNTER}.randomMasksOfEveryDensityCountAsTheLabelImage"})),
    java("padToSquare: left padding 0", "ImageTransforms.java",
          "int left = (side - image.width()) / 2;", "int left = 0;", frozenset({f"{PADDED}[tall]", f"{INPUT}[tall]"})),
    java("padToSquare: left padding rounded up", "ImageTransforms.java",
          "int left = (side - image.width()) / 2;", "int left = (side - image.width() + 1) / 2;",
          frozenset({f"{PADDED}[tall]", f"{INPUT}[tall]"})),
    java("padToSquare: top padding rounded up", "ImageTransforms.java",
          "int top = (side - image.height()) / 2;", "int top = (side - image.height() + 1) / 2;",
          frozenset({f"{PADDED}[flat]", f"{INPUT}[flat]"})),
    java("geometry: pad_left 0", "Preprocessing.java",
          "int padLeft = padSquare ? (side - box.width()) / 2 : 0;", "int padLeft = 0;", frozenset({f"{GEOMETRY}[tall]"})),
    java("geometry: pad_top rounded up", "Preprocessing.java",
          "int padTop = padSquare ? (side - box.height()) / 2 : 0;",
          "int padTop = padSquare ? (side - box.height() + 1) / 2 : 0;", frozenset({f"{GEOMETRY}[flat]"})),
    java("NCHW input indexed as NHWC", "ModelInput.java", "c * pixels + i;", "i * 3 + c;", frozenset({NCHW})),
    java("NCHW planes in BGR order", "ModelInput.java", "c * pixels + i;", "(2 - c) * pixels + i;", frozenset({NCHW})),
    java("NCHW with height and width swapped", "ModelInput.java", "c * pixels + i;",
          "c * pixels + (i % square.width()) * square.height() + i / square.width();", frozenset({NCHW})),
    # The screening verdict (ScreeningVerdict, PythonFormat) and the metadata it reads (ModelMetadata).
    java("refer only above the threshold (> for >=)", "ScreeningVerdict.java",
          "return referableProbability >= referableThreshold || gradesReferable();",
          "return referableProbability > referableThreshold || gradesReferable();",
          cases(REFERRAL, "exact_threshold_tie", "default_threshold_tie") | cases(LINES, "exact_threshold_tie", "default_threshold_tie")),
    java("referral compared in float32", "ScreeningVerdict.java",
          "return referableProbability >= referableThreshold || gradesReferable();",
          "return (float) referableProbability >= (float) referableThreshold || gradesReferable();",
          cases(REFERRAL, "float32_threshold_is_below") | cases(LINES, "float32_threshold_is_below")),
    java("referable grades below the threshold advised no referral", "ScreeningVerdict.java",
          "return referableProbability >= referableThreshold || gradesReferable();", "return referableProbability >= referableThreshold;",
          cases(REFERRAL, "moderate_npdr_below_threshold_refers", "pdr_below_threshold_refers", "dme_near_macula_below_threshold_refers")),
    java("DME risk 1 taken as referable", "ScreeningVerdict.java",
          "return drGrade >= REFERABLE_DR_GRADE || dmeRisk == REFERABLE_DME_RISK;", "return drGrade >= REFERABLE_DR_GRADE || dmeRisk >= 1;",
          cases(REFERRAL, "mild_npdr_dme_away_below_threshold") | cases(LINES, "mild_npdr_dme_away_below_threshold")),
    java("argmax takes the last maximum", "ScreeningVerdict.java",
          "if (values[i] > values[best]) {", "if (values[i] >= values[best]) {",
          cases(GRADES, "dr_and_dme_ties_take_the_first", "all_classes_equal", "ties_in_the_last_classes")),
    java("NaN or infinite grades not refused", "ScreeningVerdict.java", "if (!Float.isFinite(value)) {", "if (false) {",
          cases(NON_FINITE, "nan_outputs", "infinite_outputs")),
    java("DR grade names off by one", "ScreeningVerdict.java",
          "return DR_NAMES.get(drGrade);", "return DR_NAMES.get(Math.min(drGrade + 1, DR_NAMES.size() - 1));",
          cases(GRADES, "moderate_npdr_refer", "mild_npdr") | cases(LINES, "moderate_npdr_refer", "mild_npdr")),
    java("DME risk names off by one", "ScreeningVerdict.java",
          "return DME_NAMES.get(dmeRisk);", "return DME_NAMES.get((dmeRisk + 1) % DME_NAMES.size());",
          cases(GRADES, "moderate_npdr_refer", "no_dr_no_referral")),
    java("output classes read from the second on", "ModelMetadata.java",
          'for (Object value : list(entry, "classes")) {', 'for (Object value : list(entry, "classes").subList(1, list(entry, "classes").size())) {',
          cases(OUTPUTS, "metadata_json", "screening_metadata_json") | {"ScreeningMetadataTest.classesAreTheVerdictsNamesInOrder"}),
    java("probability printed with String.format (half up)", "PythonFormat.java",
          "new BigDecimal(Math.abs(value)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();",
          'String.format(java.util.Locale.ROOT, "%." + decimals + "f", Math.abs(value));',
          cases(LINES, "prints_half_even_0125", "prints_half_even_0625")),
    java("the metadata's referral threshold ignored", "ModelMetadata.java",
          '? DEFAULT_REFERABLE_THRESHOLD : number(grading, "referable_threshold").doubleValue();',
          "? DEFAULT_REFERABLE_THRESHOLD : DEFAULT_REFERABLE_THRESHOLD;",
          cases(GRADING, "screening_metadata_json") | cases(REFERRAL, "float32_just_above_threshold")),
    java("no grading section: threshold 0 instead of 0.5", "ModelMetadata.java",
          "DEFAULT_REFERABLE_THRESHOLD = 0.5;", "DEFAULT_REFERABLE_THRESHOLD = 0.0;",
          cases(GRADING, "screening_metadata_without_grading_json") | cases(REFERRAL, "default_threshold_just_below")),
    java("a file without outputs refused", "ModelMetadata.java",
          'json.containsKey("outputs") ? list(json, "outputs") : Collections.singletonList(require(json, "output"));',
          'list(json, "outputs");', cases(OUTPUTS, "screening_metadata_without_outputs_json")),
    java("a file without task taken for a screening model", "ModelMetadata.java",
          ': SEGMENTATION;', ': "screening";', cases(OUTPUTS, "screening_metadata_without_outputs_json")),
    # The anatomy-aware findings and the grader on them (Findings, Grader; issue #28).
    java("quadrants: nasal and temporal swapped above the fovea", "Findings.java",
          "return superior ? (nasal ? 1 : 0) : (nasal ? 2 : 3);", "return superior ? (nasal ? 0 : 1) : (nasal ? 2 : 3);",
          cases(FINDINGS, "near", "far")),
    java("fovea looked for on the disc's far side", "Findings.java",
          "double temporal = centreX >= discX ? 1.0 : -1.0;", "double temporal = centreX >= discX ? -1.0 : 1.0;",
          cases(FINDINGS, "near", "far")),
    java("square field without the top padding", "Findings.java",
          "double y = padSquare ? box.y0() - geometry.padTop() +", "double y = padSquare ? box.y0() +", cases(FINDINGS, "far")),
    java("exudates near the fovea counted within 95 % of the radius", "Findings.java",
          "near[k] += dd <= NEAR_DD[k] ? 1 : 0;", "near[k] += dd <= 0.95 * NEAR_DD[k] ? 1 : 0;", cases(FINDINGS, "near", "far")),
    java("photograph summary: rows not shifted by the square's top padding", "PhotographSummary.java",
          "int rowOffset = padded ? geometry.padTop() : 0;", "int rowOffset = 0;", cases(FINDINGS, "far")),
    java("DME by location: near and far exudates swapped", "Grader.java",
          "dme[near > 0 && near >= ((Number) dmeHead.get(\"min_area\")).doubleValue() ? 2 : 1] = present;",
          "dme[near > 0 && near >= ((Number) dmeHead.get(\"min_area\")).doubleValue() ? 1 : 2] = present;",
          cases(FINDINGS, "near", "far")),
)


JAVA_FAULTS += (
    java("CLAHE with 8 tiles whatever the metadata says", "ModelMetadata.java",
         'number(clahe, "tile_grid").intValue(),', "8,", frozenset({f"{INPUT}[photograph]"})),
    java("CLAHE clip limit at the default whatever the metadata says", "ModelMetadata.java",
         'number(clahe, "clip_limit").doubleValue(),', "2.0,", frozenset({f"{INPUT}[photograph]"})),
    java("quality gate: a value at its bound stopped", "QualityGate.java",
         'if (("min".equals(kind) && value < bound) || ("max".equals(kind) && value > bound)) {',
         'if (("min".equals(kind) && value <= bound) || ("max".equals(kind) && value >= bound)) {',
         frozenset({"QualityGateTest.boundsAreInclusiveAndReasonsInMeasuresOrder", "QualityGoldenTest.reasonsEqualPython[clipped_at_bound]"})),
    java("quality: blockiness on the wrong block edge", "QualityMeasures.java",
         "if (j % BLOCK == BLOCK - 1) {", "if (j % BLOCK == BLOCK - 2) {", cases("QualityGoldenTest.measuresEqualPython", "blurred", "cut")),
    java("the app's one call ignores the grader the metadata carries", "Screening.java",
         "if (verdict == null && metadata.grader() != null) {", "if (verdict == null && metadata.grader() == null) {",
         cases("ScreeningGoldenTest.verdictSummaryAndWordsArePredicts", "near", "far")),
)

FAULTS = PYTHON_FAULTS + JAVASCRIPT_FAULTS + JAVA_FAULTS
