"""On a phone: push an exported .tflite to an Android device and time it with TFLite's own
``benchmark_model`` tool (the user provides the binary, built for the device's ABI).

:func:`parse_benchmark_model` reads the tool's text output, in the older form (no prefix, no
percentiles) and the newer one (``INFO:`` prefix, p5/median/p95); ``tests/bench/data`` keeps
real samples of both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from edgeseg.errors import EdgesegError

REMOTE_DIR = "/data/local/tmp/edgeseg"


class NoDeviceError(EdgesegError):
    """No Android device is reachable through adb (the CLI exits 2)."""


_NUMBER = r"([0-9.]+(?:e[+-]?[0-9]+)?)"
_SUMMARY = re.compile(
    rf"Inference timings in us: Init: {_NUMBER}, First inference: {_NUMBER}, Warmup \(avg\): {_NUMBER}, Inference \(avg\): {_NUMBER}"
)
_MEMORY = re.compile(rf"(?:Memory footprint delta from the start of the tool|Peak memory footprint) \(MB\): init={_NUMBER} overall={_NUMBER}")
_RUNS = re.compile(r"count=(\d+) first=\S+ curr=\S+ (.*)")
_SIZE = re.compile(rf"The input model file size \(MB\): {_NUMBER}")


def parse_benchmark_model(text: str) -> dict[str, float]:
    """Timings (microseconds) and memory (MB) from ``benchmark_model``'s output.

    Keys: init_us, first_us, warmup_avg_us, avg_us, and when printed: count, min_us, max_us,
    std_us, p5_us, median_us, p95_us, memory_init_mb, memory_overall_mb, model_mb.
    """
    summary = _SUMMARY.search(text)
    if summary is None:
        raise EdgesegError("benchmark_model printed no 'Inference timings in us' line; did it run? (its output is kept in the results)")
    result = dict(zip(("init_us", "first_us", "warmup_avg_us", "avg_us"), map(float, summary.groups())))
    runs = _RUNS.findall(text)
    if runs:  # the last such line is the timed run (the first is the warm-up)
        count, rest = runs[-1]
        result["count"] = float(count)
        for key, value in re.findall(rf"(min|max|avg|std|p5|median|p95)={_NUMBER}", rest):
            if key != "avg":
                result[f"{key}_us"] = float(value)
    memory = _MEMORY.search(text)
    if memory:
        result["memory_init_mb"], result["memory_overall_mb"] = map(float, memory.groups())
    size = _SIZE.search(text)
    if size:
        result["model_mb"] = float(size.group(1))
    return result


def _adb(*args: str, serial: str | None = None, timeout: float = 600) -> str:
    command = ["adb", *(["-s", serial] if serial else []), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise EdgesegError(f"{' '.join(command)} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return done.stdout


def connected_device(serial: str | None = None) -> str:
    """The serial of the device to use; :class:`NoDeviceError` when there is none."""
    if shutil.which("adb") is None:
        raise NoDeviceError("--adb needs Android's adb on the PATH and a phone connected with USB debugging on; adb was not found")
    lines = _adb("devices").splitlines()[1:]
    devices = [line.split()[0] for line in lines if line.strip().endswith("device")]
    if serial:
        if serial not in devices:
            raise NoDeviceError(f"device {serial} is not connected (adb devices lists: {', '.join(devices) or 'none'})")
        return serial
    if not devices:
        raise NoDeviceError("no Android device is connected (adb devices lists none); connect a phone with USB debugging on")
    return devices[0]


def benchmark_on_device(models: list[Path], binary: Path, threads: int = 4, runs: int = 50, serial: str | None = None) -> dict[str, dict]:
    """Push ``binary`` and each .tflite, run ``benchmark_model`` on the device, parse its output."""
    device = connected_device(serial)
    if not binary.is_file():
        raise EdgesegError(f"{binary}: benchmark_model binary not found (build it for the phone's ABI, see the TFLite docs)")
    _adb("shell", f"mkdir -p {REMOTE_DIR}", serial=device)
    _adb("push", str(binary), f"{REMOTE_DIR}/benchmark_model", serial=device)
    _adb("shell", f"chmod 755 {REMOTE_DIR}/benchmark_model", serial=device)
    results = {}
    for model in models:
        _adb("push", str(model), f"{REMOTE_DIR}/{model.name}", serial=device)
        output = _adb("shell", f"{REMOTE_DIR}/benchmark_model --graph={REMOTE_DIR}/{model.name} --num_threads={threads} "
                      f"--num_runs={runs} --warmup_runs=5", serial=device)
        results[model.name] = {**parse_benchmark_model(output), "device": device, "threads": threads, "output": output}
    return results
