"""`edgeseg web`: the screening page that runs a model in the phone's browser, offline.

``edgeseg web build`` builds the static page around an exported file (the embedded default
exported to TFLite without ``--model``); ``edgeseg web serve`` serves it with the headers that
WebAssembly threads need, to this machine and to phones on the same network; ``edgeseg web
measure`` measures the page in headless Chromium against native runtimes on this machine.
"""

from __future__ import annotations

import argparse

from edgeseg.cli.options import add_options, given_options
from edgeseg.web.options import BuildOptions, MeasureOptions, ServeOptions


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "web",
        help="build and serve the screening web page (runs the model in the phone's browser)",
        description="The screening page: a static, installable web app that runs an exported model in the "
        "browser (LiteRT.js for .tflite, onnxruntime-web for .onnx), offline after the first visit. "
        "The photograph never leaves the device. Research use only.",
    )
    sub = parser.add_subparsers(title="web commands", metavar="WEB_COMMAND")

    build = sub.add_parser("build", help="build the page around an exported model",
                           description="Build the page around an exported .tflite or .onnx file and its metadata "
                           "(default: the embedded student, exported and verified as fp32 TFLite). Needs the "
                           "export extra and `npm ci` in web_demo/.")
    add_options(build, BuildOptions)
    build.set_defaults(handler=run_build)

    serve = sub.add_parser("serve", help="serve a built page to this machine and the local network",
                           description="Serve a built page with the cross-origin isolation headers that WebAssembly "
                           "threads need. Open the printed address on a phone on the same network. Browsers allow "
                           "threads and offline use only on https:// or http://localhost: give a certificate "
                           "(--certfile, --keyfile), or forward the port with `adb reverse tcp:PORT tcp:PORT` and "
                           "open http://localhost:PORT on the phone.")
    add_options(serve, ServeOptions)
    serve.set_defaults(handler=run_serve)

    measure = sub.add_parser("measure", help="time the page in headless Chromium against native runtimes",
                           description="Open a built page in headless Chromium (Debian's chromium, driven by "
                           "playwright-core from web_demo/node_modules), analyse a photograph, time --runs model "
                           "runs in the page, then the same number with native ONNX Runtime (--onnx) and the "
                           "native LiteRT interpreter on the page's .tflite, on the same input, and count the bytes "
                           "of the first visit.")
    add_options(measure, MeasureOptions)
    measure.set_defaults(handler=run_measure)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def run_build(args: argparse.Namespace) -> int:
    from edgeseg.web.build import build_page

    options = BuildOptions(**given_options(args, BuildOptions))
    built = build_page(options.model, options.out, options.source, verbose=options.verbose)
    print(f"Built the page around {built.model.name} ({built.runtime}) in {built.folder}: {built.files} files, "
          f"{built.bytes / 1e6:.1f} MB, {built.gzip_bytes / 1e6:.1f} MB gzip-compressed.")
    print(f"Open it:  edgeseg web serve {built.folder}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from edgeseg.web.serve import make_server, page_urls

    options = ServeOptions(**given_options(args, ServeOptions))
    server = make_server(options.folder, options.host, options.port, options.certfile, options.keyfile)
    secure = options.certfile is not None
    print(f"Serving {options.folder} (Ctrl-C stops). Open on this machine or a phone on the same network:")
    for url in page_urls(server, secure):
        print(f"  {url}")
    if not secure:
        print("Over plain http, phones get the page single-threaded and without offline use (browsers allow them "
              "only on https:// or localhost); see `edgeseg web serve --help`.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def run_measure(args: argparse.Namespace) -> int:
    from edgeseg.report import text_table
    from edgeseg.web.measure import measure_page

    options = MeasureOptions(**given_options(args, MeasureOptions))
    report = measure_page(options.folder, options.photo, onnx=options.onnx, runs=options.runs, threads=options.threads,
                          screenshot=options.screenshot)
    print(text_table(["runtime", "file", "threads", "median ms", "min ms", "ratio to native ONNX Runtime"], report.rows()))
    print(report.transfer_text())
    if options.screenshot:
        print(f"Saved the page to {options.screenshot}")
    return 0
