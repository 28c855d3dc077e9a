"""The screening page in real browsers, headless and phone-sized (Pixel 7): Debian's Chromium
(playwright-core) in the default run, Debian's Firefox ESR (puppeteer-core over WebDriver BiDi)
in the slow run, with the same checks. One visit analyses the test photograph (IDRiD test image 55, else a
synthetic one) and the four bad inputs; the server is then stopped and a second visit, served by
the page's service worker alone, analyses the photograph again. The page's lesion masks must
agree with `edgeseg predict`'s on at least 99 % of the field of view's pixels, every request must
be for the page's own files, and the first visit must transfer at most 8 MB.

The page is built around the embedded default exported to fp32 TFLite; the export takes a few
minutes and is cached in pytest's cache folder (or set EDGESEG_WEB_MODEL to an exported file).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edgeseg.web.browser import browser_problem, drive, serving
from edgeseg.web.build import WEB_DEMO, build_page
from edgeseg.web.serve import lan_address
from tests.web.page_fixtures import BIG, BIG_SIZE, bad_inputs, camera_photographs, edgeseg, exported_default, screening_photograph, unpack

AGREEMENT = 0.99  # the acceptance: masks agree on at least 99 % of field-of-view pixels
# What the port achieves (IDRiD 55: 2 of 8.4 million pixels differ, both where predict's 16-bit map
# rounds across the threshold); a regression, e.g. padding shifted by 3 pixels of the 512 px
# square (EX agreement 0.98995), falls far below it.
PORT_AGREEMENT = 0.9999
FIRST_VISIT_BYTES = 8_000_000
FROZEN_MS = 2000
FIREFOX_PRIMINGS = 3  # fresh first visits given when Firefox lost the service worker (see offline_visit)
# Phone widths in CSS px (the list: 320 to 430), portrait and held sideways (a 19.5:9 screen).
PHONE_WIDTHS = (320, 360, 375, 390, 412, 430)
LAYOUTS = [(width, round(width * 2.17)) for width in PHONE_WIDTHS] + [(round(width * 2.17), width) for width in PHONE_WIDTHS]  # the page's main thread must answer within this while a photograph is analysed

# Chromium in the default run; Firefox ESR (over WebDriver BiDi) and WebKitGTK (over classic
# WebDriver) in the slow run, which CI's second step runs.
ENGINES = [pytest.param("chromium"), pytest.param("firefox", marks=pytest.mark.slow), pytest.param("webkit", marks=pytest.mark.slow)]
# What WebKitGTK's MiniBrowser cannot be asked here, and why.
WEBKIT_OFFLINE = ("an automation session's storage is ephemeral in WebKitGTK, so a second session never finds the first one's "
                  "service worker cache")
WEBKIT_WIDTHS = "MiniBrowser's window does not get narrower than about 470 px, so phone widths cannot be set in WebKit"
WEBKIT_FIRST_VISIT = ("WebKitGTK's service worker downloads again what the page already fetched (its install does not "
                      "revalidate against the page's HTTP cache with this server), and the page takes the build without "
                      "threads (no SharedArrayBuffer here): 8.19 MB measured, over the 8 MB Chromium and Firefox keep to")


class Material:
    """What every engine's visit uses, made once per module: the page around the exported default,
    the photographs, and edgeseg predict's answers on them (computed in other processes while the
    first browser runs, collected when first needed)."""

    def __init__(self, request: pytest.FixtureRequest, folder: Path) -> None:
        pytest_cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
        cache = pytest_cache.mkdir("edgeseg_web_export") if pytest_cache else folder / "export"
        self.folder = folder
        self.page = build_page(exported_default(cache), folder / "page", log=lambda *_: None).folder
        self.photograph, self.described = screening_photograph(folder)
        self.bad = bad_inputs(folder, self.photograph)
        self.camera = camera_photographs(folder, self.photograph)
        self.reference = folder / "predict"
        self._predict = subprocess.Popen([sys.executable, "-m", "edgeseg", "predict", str(self.photograph), *map(str, self.camera.values()),
                                          "--out", str(self.reference), "--full-maps"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._rejections = {name: subprocess.Popen([sys.executable, "-m", "edgeseg", "predict", path.name, "--out", str(folder / "rejected")],
                                                   cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                            for name, path in self.bad.items() if name != BIG}
        self._messages: dict[str, str] | None = None

    def messages(self) -> dict[str, str]:
        """edgeseg predict's one-line error per bad input (waits for predict's processes once)."""
        if self._messages is None:
            _, err = self._predict.communicate(timeout=600)
            assert self._predict.returncode == 0, f"edgeseg predict failed: {err[-2000:]}"
            self._messages = {name: process.communicate(timeout=300)[1].strip() for name, process in self._rejections.items()}
        return self._messages


@pytest.fixture(scope="module")
def material(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Material:
    problem = browser_problem(WEB_DEMO)
    if problem is not None:
        pytest.skip(f"no browser test: {problem}")
    return Material(request, tmp_path_factory.mktemp("browser"))


def offline_visit(engine: str, url: str, profile: Path, material: Material) -> dict:
    """A second visit with the server gone: only the service worker's cache serves the page.

    Firefox ESR 153 sometimes starts on the profile without the first visit's service worker, so
    the navigation goes to the stopped server (NS_ERROR_CONNECTION_REFUSED): after every session
    in which a model start stalled, and rarely after others (benchmarks/web_starts.py; see
    docs/web_demo.md). The page cannot act on that, so a fresh profile is then given a plain first
    visit (up to FIREFOX_PRIMINGS times) and the offline visit repeated; the report says how many,
    and the page's address it was last served from (``url``: a priming serves it on a new port)."""
    photo = [{"path": str(material.photograph)}]
    offline = drive({"engine": engine, "url": url, "profile": str(profile), "photos": photo})
    primings = 0
    while engine == "firefox" and "NS_ERROR_CONNECTION_REFUSED" in (offline.get("error") or "") and primings < FIREFOX_PRIMINGS:
        primings += 1
        profile = profile.with_name(f"profile-primed-{primings}")
        with serving(material.page) as (url, _):
            first = drive({"engine": engine, "url": url, "profile": str(profile), "photos": photo})
        assert first.get("error") is None and first["ready"]["controlled"], first.get("error") or first["ready"]
        offline = drive({"engine": engine, "url": url, "profile": str(profile), "photos": photo})
    return {**offline, "primings": primings, "url": url}


@pytest.fixture(scope="module", params=ENGINES)
def visits(request: pytest.FixtureRequest, material: Material) -> dict:
    engine = request.param
    problem = browser_problem(WEB_DEMO, engine)
    if problem is not None:
        pytest.skip(f"no {engine} test: {problem}")
    folder = material.folder / engine
    folder.mkdir()
    profile = folder / "profile"
    camera_masks = {name: folder / f"camera-{index}" for index, name in enumerate(material.camera)}
    photos = [{"path": str(material.photograph), "masks": str(folder / "page-masks"), "screenshot": str(folder / "screenshot.png")},
              *({"path": str(path), "masks": str(camera_masks[name])} for name, path in material.camera.items()),
              *({"path": str(path)} for path in material.bad.values())]  # the 12000x7970 one last: the layouts show its result
    with serving(material.page) as (url, server):
        online = drive({"engine": engine, "url": url, "profile": str(profile), "photos": photos, "layouts": LAYOUTS})
        transfers = list(server.transfers)
    offline = None if engine == "webkit" else offline_visit(engine, url, profile, material)
    return {"engine": engine, "online": online, "offline": offline, "transfers": transfers, "url": url, "photograph": material.photograph,
            "page": material.page, "described": material.described, "bad": material.bad, "reference": material.reference,
            "messages": material.messages(), "masks": folder / "page-masks", "camera": material.camera, "camera_masks": camera_masks}


def test_page_loads_isolated_with_threads(visits: dict) -> None:
    ready = visits["online"]["ready"]
    assert visits["online"].get("error") is None, visits["online"]
    assert ready["state"] == "ready", ready
    assert ready["crossOriginIsolated"] and ready["runtime"]["crossOriginIsolated"], "the page is not cross-origin isolated"
    assert ready["runtime"]["name"] == "LiteRT.js"
    assert ready["controlled"], "the service worker did not take control of the page"
    if visits["engine"] == "chromium":  # a Chromium check (CDP)
        assert visits["online"]["installability_errors"] == [], "Chromium would not offer to install the page"


def page_agreement(visits: dict, result: dict, photograph: Path, masks_prefix: Path) -> dict[str, float]:
    """Per lesion, the share of the field of view's pixels where the page's mask of ``photograph``
    equals edgeseg predict's (its full-resolution map at the card's threshold); the field of view
    and the page's areas are checked on the way."""
    assert result["state"] == "done", result["message"]
    masks = result["masks"]
    width, height, box = masks["width"], masks["height"], masks["box"]
    stem = photograph.stem
    summary = json.loads((visits["reference"] / f"{stem}.json").read_text())
    fov = unpack(Path(f"{masks_prefix}.fov.bits"), width, height)
    assert int(fov.sum()) == masks["field_of_view_pixels"] == summary["field_of_view_pixels"], f"{stem}: field of view differs from predict's"
    box_width, box_height = box["x1"] - box["x0"], box["y1"] - box["y0"]
    agreements = {}
    for lesion in masks["lesions"]:
        page = np.zeros((height, width), bool)
        page[box["y0"]:box["y1"], box["x0"]:box["x1"]] = unpack(Path(f"{masks_prefix}.{lesion}.bits"), box_width, box_height)
        probabilities = cv2.imread(str(visits["reference"] / f"{stem}_{lesion}.png"), cv2.IMREAD_UNCHANGED)
        assert probabilities.shape == (height, width), f"predict's {lesion} map is {probabilities.shape}, not the photograph's size"
        predicted = probabilities.astype(np.float64) / np.iinfo(probabilities.dtype).max >= summary["lesions"][lesion]["threshold"]
        agreements[lesion] = float((page == predicted)[fov].mean())
        page_area = result["result"]["summary"]["lesions"][lesion]["area_pixels"]
        assert page_area == int(page.sum())
        assert abs(page_area - summary["lesions"][lesion]["area_pixels"]) <= max(50, 0.01 * summary["lesions"][lesion]["area_pixels"]), (stem, lesion)
    print(f"{stem} ({visits['engine']}): masks agree with edgeseg predict on {agreements} of {int(fov.sum())} field-of-view pixels")
    return agreements


def test_masks_agree_with_edgeseg_predict(visits: dict) -> None:
    agreements = page_agreement(visits, visits["online"]["photos"][0], Path(visits["photograph"]), visits["masks"])
    assert min(agreements.values()) >= AGREEMENT, f"{visits['described']}: agreement on the field of view {agreements}"
    assert min(agreements.values()) >= PORT_AGREEMENT, f"{visits['described']}: agreement on the field of view {agreements}"


def test_camera_photographs_give_predicts_masks(visits: dict) -> None:
    """Issue #32: a CMYK JPEG (decoded as browsers decode it, not as OpenCV does) and a JPEG stored
    sideways with an EXIF orientation (turned upright by both) give the page's masks in predict."""
    for index, (name, path) in enumerate(visits["camera"].items(), start=1):
        agreements = page_agreement(visits, visits["online"]["photos"][index], path, visits["camera_masks"][name])
        assert min(agreements.values()) >= PORT_AGREEMENT, f"{name}: agreement on the field of view {agreements}"


def test_the_page_gives_predicts_verdict_and_findings(visits: dict) -> None:
    """Issue #28: the embedded default carries a grader, and the page grades the photograph's
    findings as `edgeseg predict` does: the same DR grade, DME risk and advice, the disc and
    fovea within a pixel of the photograph, the same findings in words."""
    result = visits["online"]["photos"][0]["result"]
    summary = json.loads((visits["reference"] / f"{Path(visits['photograph']).stem}.json").read_text())
    verdict, expected = result["verdict"], summary["verdict"]
    assert verdict is not None, "the page gave no verdict for a model whose metadata carries a grader"
    assert (verdict["dr"]["grade"], verdict["dme"]["grade"]) == (expected["dr_grade"], expected["dme_risk"])
    assert verdict["referable"]["referable"] == expected["refer"]
    assert abs(verdict["referable"]["probability"] - expected["referable_prob"]) < 1e-3
    findings, reference = result["findings"], summary["findings"]
    for part in ("optic_disc", "fovea"):
        for key in reference[part]:
            assert abs(findings[part][key] - reference[part][key]) <= 1.0, (part, key, findings[part], reference[part])
    assert findings["words"] == reference["words"]


def test_nothing_starts_a_second_analysis_while_one_runs(visits: dict) -> None:
    """Issue #32: while a photograph is analysed the file input is disabled: it takes no focus, Space
    opens no file chooser, and the photograph counts one analysis."""
    photo = visits["online"]["photos"][0]
    busy = photo["busy_input"]
    assert busy["state"] == "busy", f"the analysis ended before the check could run: {busy}"
    assert busy["disabled"] and not busy["focused"] and not busy["file_chooser_opened"], busy  # None: not observable (WebKit)
    assert photo["analyses"] == 1


def test_the_photograph_is_named_and_shown_small_beside_its_result_with_progress(visits: dict) -> None:
    """Issue #32: a health worker sees which photograph a result belongs to (its name and a
    thumbnail at most 192 px a side, in the photograph's proportions) and a bar advancing through
    the analysis's steps."""
    photo = visits["online"]["photos"][0]
    assert photo["chosen"]["shown"] and photo["chosen"]["name"] == Path(visits["photograph"]).name
    width, height = photo["chosen"]["thumbnail"]
    size = photo["result"]["summary"]["size"]
    assert max(width, height) == 192 and abs(width / height - size[0] / size[1]) < 0.02, (width, height, size)
    assert photo["progress_steps"] >= 3, "the progress bar did not advance while the photograph was analysed"


def test_page_requests_only_its_own_files(visits: dict) -> None:
    for name in ("online", "offline")[: 1 if visits["offline"] is None else 2]:
        origin = visits[name].get("url", visits["url"]).rstrip("/")  # the offline visit's own, after a Firefox priming
        foreign = [url for url in visits[name]["requests"] if not (url.startswith(origin + "/") or url.startswith(f"blob:{origin}/"))]
        assert not foreign, f"{name} visit requested {foreign}"


def test_an_offline_visit_after_a_priming_reports_the_address_it_was_served_from(tmp_path, monkeypatch):
    """When Firefox lost the service worker, the offline visit is repeated after a first visit on a
    new server (a new port): its requests are the page's own at that address, not foreign ones
    (seen in CI: every file of the page reported as foreign)."""
    reports = iter([{"error": "NS_ERROR_CONNECTION_REFUSED"}, {"ready": {"controlled": True}}, {"ready": {"state": "ready"}}])
    monkeypatch.setattr(sys.modules[__name__], "drive", lambda scenario: {**next(reports), "visited": scenario["url"]})
    (tmp_path / "index.html").write_text("<!doctype html>")  # what the server needs of a built page
    material = type("Material", (), {"photograph": tmp_path / "photo.png", "page": tmp_path})()
    offline = offline_visit("firefox", "http://127.0.0.1:1/", tmp_path / "profile", material)
    assert offline["primings"] == 1 and offline["url"] == offline["visited"] != "http://127.0.0.1:1/"


def test_first_visit_transfers_at_most_8_mb(visits: dict) -> None:
    if visits["engine"] == "webkit":
        pytest.skip(WEBKIT_FIRST_VISIT)
    total = sum(size for _, _, size in visits["transfers"])
    assert 0 < total <= FIRST_VISIT_BYTES, f"first visit sent {total} bytes"
    assert sum(size for path, _, size in visits["transfers"] if path.endswith(".wasm")) < 0.8 * total


def test_second_visit_works_offline(visits: dict) -> None:
    if visits["engine"] == "webkit":
        pytest.skip(WEBKIT_OFFLINE)
    offline = visits["offline"]
    if offline["primings"]:
        print(f"{visits['engine']}: the offline visit took {offline['primings']} fresh first visit(s) after Firefox lost the service worker")
    assert offline.get("error") is None and offline["ready"]["state"] == "ready", offline.get("error") or offline.get("ready")
    assert offline["ready"]["crossOriginIsolated"], "the service worker's responses lack the isolation headers"
    again = offline["photos"][0]
    assert again["state"] == "done", again["message"]
    assert again["result"]["summary"]["lesions"] == visits["online"]["photos"][0]["result"]["summary"]["lesions"]


def test_bad_inputs_get_edgeseg_messages_or_a_result_and_never_freeze(visits: dict) -> None:
    outcomes = dict(zip(visits["bad"], visits["online"]["photos"][1 + len(visits["camera"]):]))
    for name, outcome in outcomes.items():
        assert outcome["slowest_main_thread_ms"] < FROZEN_MS, f"{name}: the page froze for {outcome['slowest_main_thread_ms']} ms"
    for name, message in visits["messages"].items():
        assert outcomes[name]["state"] == "problem", f"{name}: {outcomes[name]}"
        # edgeseg predict says "edgeseg: error: FILE: why"; the page says "FILE: why".
        assert f"edgeseg: error: {outcomes[name]['message']}" == message, name
    big = outcomes[BIG]
    assert big["state"] == "done", big["message"]
    assert big["result"]["summary"]["size"] == list(BIG_SIZE)


def test_no_sideways_scrolling_at_phone_widths_portrait_and_landscape(visits: dict) -> None:
    """With the 12000x7970 photograph's result on screen (the last analysed): the page never scrolls
    sideways, and the overlay fits the screen, also held sideways."""
    if visits["engine"] == "webkit":
        pytest.skip(WEBKIT_WIDTHS)
    layouts = visits["online"]["layouts"]
    assert [(layout["width"], layout["height"]) for layout in layouts] == LAYOUTS
    for layout in layouts:
        where = f"{layout['width']}x{layout['height']}"
        assert layout["state"] == "done", where
        assert layout["scroll_width"] <= layout["client_width"] <= layout["width"], (
            f"{where}: the page scrolls sideways by {layout['scroll_width'] - layout['client_width']} px ({layout['overflowing']})")
        assert layout["overlay"]["width"] <= layout["width"] and layout["overlay"]["height"] <= layout["height"], f"{where}: {layout['overlay']}"


def test_no_script_errors(visits: dict) -> None:
    assert visits["online"]["page_errors"] == [] and (visits["offline"] or {"page_errors": []})["page_errors"] == []


def test_page_works_single_threaded_for_a_phone_on_the_local_network(visits: dict, tmp_path: Path) -> None:
    """Over plain http from another machine the page is not a secure context: no service worker,
    no cross-origin isolation, so LiteRT.js runs its single-threaded build; it must still work."""
    address = lan_address()
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no network address other than loopback")
    with serving(visits["page"], host="0.0.0.0") as (url, _):
        remote = drive({"engine": visits["engine"], "url": url.replace("127.0.0.1", address), "profile": str(tmp_path / "profile"),
                        "photos": [{"path": str(visits["bad"]["not a fundus"])}, {"path": str(visits["photograph"])}]})
    assert remote.get("error") is None and remote["ready"]["state"] == "ready", remote.get("ready")
    assert not remote["ready"]["crossOriginIsolated"] and remote["ready"]["runtime"]["threads"] == 1
    assert [photo["state"] for photo in remote["photos"]] == ["problem", "done"]
    assert remote["photos"][1]["result"]["summary"]["lesions"] == visits["online"]["photos"][0]["result"]["summary"]["lesions"]


def test_web_measure_times_the_page_and_native_litert_on_one_input(material: Material, tmp_path: Path) -> None:
    """`edgeseg web measure` on the built page: the page's model and native LiteRT timed on the
    photograph's model input (one table row each, positive medians), the first visit's bytes
    by kind, and the screenshot written."""
    shot = tmp_path / "page.png"
    done = edgeseg("web", "measure", str(material.page), "--photo", str(material.photograph), "--runs", "2", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line.split("  ")[0]: line.split() for line in done.stdout.splitlines()}
    for runtime in ("LiteRT.js in Chromium", "LiteRT interpreter (native)"):
        assert runtime in rows, f"no row for {runtime}:\n{done.stdout}"
        median, least = (float(value) for value in rows[runtime][-3:-1])
        assert 0 < least <= median, (runtime, median, least)
    visit = next(line for line in done.stdout.splitlines() if line.startswith("First visit:"))
    total = float(visit.split()[2])
    assert 0.5 < total <= FIRST_VISIT_BYTES / 1e6 and "model (model/)" in visit, visit
    assert cv2.imread(str(shot)) is not None, "no screenshot written"


def test_a_stalled_model_start_is_retried_in_a_fresh_worker(material: Material, tmp_path: Path) -> None:
    """Firefox ESR was seen to hang in about 1 start of 10 while LiteRT.js created its thread
    workers: the page ends a loading step that has not moved on in 30 s and starts again. Here
    the first worker hangs on purpose (Chromium); the page must be ready from its second start."""
    with serving(material.page) as (url, _):
        report = drive({"engine": "chromium", "url": url, "profile": str(tmp_path / "profile"), "stall_starts": 1,
                        "photos": [{"path": str(material.photograph)}]}, timeout=150)
    assert report.get("error") is None and report["ready"]["state"] == "ready", report.get("at_error") or report.get("ready")
    assert report["ready"]["starts"] == 2, report["ready"]
    assert any("stalled while a start the test made hang" in line for line in report["console"]), report["console"]
    assert report["photos"][0]["state"] == "done"


@pytest.mark.slow
def test_a_model_that_stalls_at_every_start_gets_a_one_line_error(material: Material, tmp_path: Path) -> None:
    """After three stalled starts (30 s each) the page stops trying: the fatal state, one error
    line that says what stalled and what to do, no photograph accepted."""
    with serving(material.page) as (url, _):
        report = drive({"engine": "chromium", "url": url, "profile": str(tmp_path / "profile"), "stall_starts": 3,
                        "photos": []}, timeout=200)
    assert report.get("error") is None and report["ready"]["state"] == "fatal", report.get("at_error") or report.get("ready")
    assert report["ready"]["error"].strip() == ("the model did not load: 3 tries stalled while a start the test made hang; "
                                                "reload the page"), report["ready"]
    stalled = [line for line in report["console"] if "stalled while a start the test made hang" in line]
    assert len(stalled) == 2, report["console"]  # the first two stalls start again; the third ends it
