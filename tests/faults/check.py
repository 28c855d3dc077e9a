"""Put each fault of the catalogue into a copy of the project, one at a time, and check that the
tests named for it fail.

    python -m tests.faults.check                      # every fault (about 10 minutes here)
    python -m tests.faults.check --language javascript --name clahe

A test only earns trust if it fails when what it checks is broken (issues #17 and #35). Each fault
in :mod:`tests.faults.catalogue` is a one-place change to a Python, JavaScript or Java source; this
command copies the project's tracked files to a temporary folder (the working tree is never
touched), checks that the named tests pass there unchanged, then applies each fault alone, runs
its tests and restores the file. It prints one line per fault (caught or NOT CAUGHT, the seconds,
the tests that failed) and exits 1 when a fault leaves its tests green, or fails only tests other
than those named for it. A fault whose text no longer matches its file once is an error: update the
catalogue with the code.

Python faults run ``pytest`` on their tests inside the copy (``PYTHONPATH`` set to it, so the copy's
``edgeseg`` is the one imported, also by subprocesses); JavaScript faults run ``node --test`` on
their spec files in the copy's ``web_demo`` (its installed ``node_modules`` linked in); Java faults
run ``android_demo/fundus-core/run_jvm_tests.sh`` in the copy and read JUnit's failures.
``tests/faults/test_catalogue.py`` (marked slow, run by CI's slow step) runs it all.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from tests.faults.catalogue import FAULTS, Fault

ROOT = Path(__file__).resolve().parents[2]
JVM_LIBRARY = Path("android_demo/fundus-core")

# pytest -rf: "FAILED tests/x.py::test_y[case] - message"; node --test (spec reporter): "✖ name (1.2ms)";
# JUnit 4's text runner: "1) method[parameter](package.Class)".
PYTEST_FAILURE = re.compile(r"^FAILED (.+?)(?: - .*)?$", re.MULTILINE)
NODE_FAILURE = re.compile(r"^not ok \d+ - (.+?)(?: # .*)?$", re.MULTILINE)
JUNIT_FAILURE = re.compile(r"^\d+\) (\w+)(\[\w+\])?\((?:\w+\.)*(\w+)\)$", re.MULTILINE)


def copy_project(destination: Path) -> None:
    """The tracked files of the project (``git ls-files``), and a link to ``web_demo/node_modules``."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    modules = ROOT / "web_demo" / "node_modules"
    if modules.is_dir():
        (destination / "web_demo" / "node_modules").symlink_to(modules)


def run_python(copy: Path, tests: Iterable[str]) -> tuple[int, set[str], str]:
    env = os.environ | {"PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-rf",
                           "--timeout=900", *tests], cwd=copy, env=env, capture_output=True, text=True, timeout=1800)
    log = done.stdout + done.stderr
    return done.returncode, set(PYTEST_FAILURE.findall(done.stdout)), log


def run_javascript(copy: Path, tests: Iterable[str]) -> tuple[int, set[str], str]:
    done = subprocess.run(["node", "--test", "--test-reporter=tap", *tests], cwd=copy / "web_demo", capture_output=True,
                          text=True, timeout=900)
    log = done.stdout + done.stderr
    return done.returncode, {name.strip() for name in NODE_FAILURE.findall(done.stdout)}, log


def run_java(copy: Path, tests: Iterable[str]) -> tuple[int, set[str], str]:
    done = subprocess.run(["bash", str(copy / JVM_LIBRARY / "run_jvm_tests.sh")], capture_output=True, text=True, timeout=900)
    failed = {f"{cls}.{method}{parameter or ''}" for method, parameter, cls in JUNIT_FAILURE.findall(done.stdout)}
    return done.returncode, failed, done.stdout + done.stderr


RUNNERS = {"python": run_python, "javascript": run_javascript, "java": run_java}


def named_failed(fault: Fault, failed: set[str]) -> bool:
    """Whether every test that ``fault`` must fail is among ``failed``: a name matches itself, a
    parametrized case of it (``name[case]``), a test in it (``file::test``), or, for JavaScript, a
    test whose title contains it."""
    def hit(name: str) -> bool:
        return any(item == name or item.startswith((name + "[", name + "::")) or (fault.language == "javascript" and name in item)
                   for item in failed)
    return all(hit(name) for name in fault.must_fail)


def syntax_problem(path: Path, language: str) -> str | None:
    """Why the faulty file does not even parse (a fault in the catalogue, not a caught bug), or None."""
    if language == "python":
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as error:
            return str(error)
    elif language == "javascript":
        done = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
        return (done.stderr.strip() or "node --check failed") if done.returncode else None
    return None


def check(fault: Fault, copy: Path) -> tuple[bool, set[str], str]:
    """Apply ``fault`` to ``copy``, run its tests, restore the file: (caught, failed tests, log)."""
    source = copy / fault.file
    original = source.read_text()
    if original.count(fault.old) != 1:
        raise RuntimeError(f"{fault.file}: expected one `{fault.old}`; update the fault {fault.name!r} in tests/faults/catalogue.py")
    source.write_text(original.replace(fault.old, fault.new))
    try:
        problem = syntax_problem(source, fault.language)
        if problem:
            raise RuntimeError(f"the fault {fault.name!r} does not parse: {problem}")
        code, failed, log = RUNNERS[fault.language](copy, fault.tests)
    finally:
        source.write_text(original)
    caught = code != 0 and bool(failed) and named_failed(fault, failed)
    return caught, failed, log


def baseline(copy: Path, faults: list[Fault]) -> str | None:
    """Why the tests of ``faults`` do not pass in the unchanged copy, or None."""
    for language, runner in RUNNERS.items():
        tests = sorted({test for fault in faults if fault.language == language for test in fault.tests})
        if not tests:
            continue
        code, failed, log = runner(copy, tests)
        if code != 0:
            return f"{language}: the tests fail without a fault ({sorted(failed) or 'no test named'}):\n{log[-3000:]}"
    return None


def markdown(faults: Iterable[Fault]) -> str:
    """The catalogue as a table: language, fault, file, the tests run and those that must fail."""
    faults = list(faults)
    lines = [
        "# The fault catalogue",
        "",
        "Generated by `python -m tests.faults.check --markdown` from `tests/faults/catalogue.py`; do not edit.",
        "`python -m tests.faults.check` puts each fault, alone, into a copy of the project and checks that",
        "the tests named for it fail (CI's slow step runs it). "
        + ", ".join(f"{sum(f.language == language for f in faults)} {language}" for language in RUNNERS) + f" faults, {len(faults)} in all.",
        "",
        "| language | fault | file | tests run | must fail |",
        "|---|---|---|---|---|",
    ]
    for fault in faults:
        tests = "the JUnit suite" if fault.language == "java" else ", ".join(f"`{test}`" for test in fault.tests)
        must = ", ".join(f"`{name}`" for name in fault.must_fail) or "any of them"
        if fault.language == "python" and not fault.fails:
            must = "each of them"
        cells = (fault.language, fault.name, f"`{fault.file}`", tests, must)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=sorted(RUNNERS), help="only the faults in this language")
    parser.add_argument("--name", help="only the faults whose name contains this text")
    parser.add_argument("--markdown", action="store_true", help="print the catalogue as docs/faults.md holds it, run nothing")
    args = parser.parse_args(argv)
    faults = [fault for fault in FAULTS if (args.language in (None, fault.language)) and (args.name is None or args.name in fault.name)]
    if args.markdown:
        print(markdown(faults), end="")
        return 0
    if not faults:
        print("no fault matches", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="edgeseg-faults-") as temporary:
        copy = Path(temporary)
        copy_project(copy)
        problem = baseline(copy, faults)
        if problem:
            print(problem)
            return 1
        missed = []
        for number, fault in enumerate(faults, 1):
            started = time.perf_counter()
            caught, failed, log = check(fault, copy)
            seconds = time.perf_counter() - started
            print(f"{number:3d}/{len(faults)} {'caught    ' if caught else 'NOT CAUGHT'} {seconds:5.1f} s [{fault.language}] {fault.name}: "
                  f"failed {sorted(failed)[:4] or 'nothing'}{' ...' if len(failed) > 4 else ''}", flush=True)
            if not caught:
                missed.append(fault)
                print("   " + log[-1500:].replace("\n", "\n   "))
    by_language = {language: sum(fault.language == language for fault in faults) for language in RUNNERS}
    print(f"{len(faults) - len(missed)} of {len(faults)} faults caught "
          f"({', '.join(f'{count} {language}' for language, count in by_language.items() if count)})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
