"""What `edgeseg web build|serve|measure` are asked to do, declared once (:func:`edgeseg.options.option`):
each field is an argument of its command, with its default and help, and the functions the
commands call take their defaults from here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.options import option

BUILT_PAGE = Path("build/web")


@dataclass(frozen=True)
class BuildOptions:
    model: Path | None = option(metavar="FILE", help="exported .tflite or .onnx file (default: export the embedded student)")
    out: Path = option(BUILT_PAGE, metavar="DIR", help="output folder; an earlier build there is replaced")
    source: Path | None = option(metavar="DIR", help="the web_demo folder of an edgeseg source checkout (default: the one beside "
                                 "this installation)")
    verbose: bool = option(False, help="show the converter's own output while the default is exported")


@dataclass(frozen=True)
class ServeOptions:
    folder: Path = option(BUILT_PAGE, positional=True, metavar="FOLDER", help="built page")
    host: str = option("0.0.0.0", help="address to listen on; 0.0.0.0 is every interface")
    port: int = option(8000, help="port")
    certfile: Path | None = option(metavar="PEM", help="PEM certificate: serve over HTTPS")
    keyfile: Path | None = option(metavar="PEM", help="PEM private key of --certfile (if not inside it)")


@dataclass(frozen=True)
class MeasureOptions:
    folder: Path = option(BUILT_PAGE, positional=True, metavar="FOLDER", help="built page")
    photo: Path | None = option(metavar="IMAGE", required=True, help="fundus photograph to analyse")
    onnx: Path | None = option(metavar="FILE", help="the same model as ONNX, timed with native ONNX Runtime")
    runs: int = option(10, help="timed runs per runtime (the median is reported)")
    threads: int = option(2, help="threads of the native runtimes")
    screenshot: Path | None = option(metavar="PNG", help="also save the page, phone-sized, with the photograph's result")
