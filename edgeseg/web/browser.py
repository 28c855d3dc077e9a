"""Drive a built page in Debian's Chromium: serve it from a thread, run
``web_demo/tools/drive-page.mjs`` (playwright-core) on a scenario, and return its JSON report.

Nothing downloads a browser: Chromium comes from the system (``apt-get install chromium``), and
playwright-core from ``web_demo/node_modules`` (``npm ci``).
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

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    """Debian's Chromium (or ``$EDGESEG_CHROMIUM``), None when absent."""
    candidates = [os.environ.get("EDGESEG_CHROMIUM", ""), *CHROMIUM_CANDIDATES]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def browser_problem(web_demo: Path | None = None) -> str | None:
    """Why the page cannot be driven here (no node, no Chromium, no playwright-core), or None."""
    if shutil.which("node") is None:
        return "node is not installed (Node 20 or newer is needed)"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install -y chromium)"
    folder = web_demo or web_demo_folder()
    if not (folder / "node_modules" / "playwright-core").is_dir():
        return f"playwright-core is not installed; run `npm ci` in {folder}"
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
    """Run the scenario (see drive-page.mjs) in headless Chromium and return its report."""
    web_demo = web_demo_folder()
    problem = browser_problem(web_demo)
    if problem:
        raise EdgesegError(problem)
    with tempfile.TemporaryDirectory(prefix="edgeseg-drive-") as scratch:
        path = Path(scratch) / "scenario.json"
        path.write_text(json.dumps({"chromium": chromium_path(), **scenario}))
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
