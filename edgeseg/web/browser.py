"""Drive a built page in Debian's Chromium, Firefox ESR or WebKitGTK: serve it from a thread, run
``web_demo/tools/drive-page.mjs`` (playwright-core for Chromium, puppeteer-core over WebDriver
BiDi for Firefox, selenium-webdriver and WebKitWebDriver for WebKit) on a scenario, and return
its JSON report.

Nothing downloads a browser: the browsers come from the system (``apt-get install chromium
firefox-esr webkit2gtk-driver xvfb``), the driver libraries from ``web_demo/node_modules`` (``npm ci``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edgeseg.errors import EdgesegError
from edgeseg.web.build import web_demo_folder
from edgeseg.web.serve import make_server

# Each engine: the executables tried (after $EDGESEG_<ENGINE>), the Debian package, the driver library.
ENGINES = {
    "chromium": (("/usr/bin/chromium", "/usr/bin/chromium-browser"), "chromium", "playwright-core"),
    "firefox": (("/usr/bin/firefox-esr", "/usr/bin/firefox"), "firefox-esr", "puppeteer-core"),
    # WebKitGTK's WebDriver, which starts its MiniBrowser (no headless mode: under xvfb-run).
    "webkit": (("/usr/bin/WebKitWebDriver",), "webkit2gtk-driver xvfb", "selenium-webdriver"),
}


def browser_path(engine: str = "chromium") -> str | None:
    """The engine's browser (for WebKit, its WebDriver) from the system, or ``$EDGESEG_<ENGINE>``; None when absent."""
    candidates = [os.environ.get(f"EDGESEG_{engine.upper()}", ""), *ENGINES[engine][0]]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def browser_problem(web_demo: Path | None = None, engine: str = "chromium") -> str | None:
    """Why the page cannot be driven in ``engine`` here (no node, no browser, no driver library), or None."""
    _, package, library = ENGINES[engine]
    if shutil.which("node") is None:
        return "node is not installed (Node 20 or newer is needed)"
    if browser_path(engine) is None or (engine == "webkit" and shutil.which("xvfb-run") is None):
        return f"{engine} is not installed (apt-get install -y {package})"
    folder = web_demo or web_demo_folder()
    if not (folder / "node_modules" / library).is_dir():
        return f"{library} is not installed; run `npm ci` in {folder}"
    return None


@contextmanager
def serving(folder: str | Path, host: str = "127.0.0.1") -> Iterator[tuple[str, object]]:
    """Serve ``folder`` on a free port of ``host`` in a background thread; yields (url, server),
    the url on localhost."""
    server = make_server(folder, host=host, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="edgeseg-web-serve", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def drive(scenario: dict, timeout: float = 300) -> dict:
    """Run the scenario (see drive-page.mjs) in its engine (``engine``: "chromium", the default,
    "firefox" or "webkit") and return its report."""
    web_demo = web_demo_folder()
    engine = scenario.get("engine", "chromium")
    problem = browser_problem(web_demo, engine)
    if problem:
        raise EdgesegError(problem)
    with tempfile.TemporaryDirectory(prefix="edgeseg-drive-") as scratch:
        path = Path(scratch) / "scenario.json"
        path.write_text(json.dumps({engine: browser_path(engine), **scenario}))
        try:
            completed = subprocess.run(["node", str(web_demo / "tools" / "drive-page.mjs"), str(path)], cwd=web_demo,
                                       capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EdgesegError(f"the browser did not finish within {timeout:.0f} s") from None
    lines = completed.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise EdgesegError(f"the browser driver failed: {(completed.stderr or completed.stdout).strip()[-800:]}") from None
    return report
