"""The screening web page (`web_demo/`): build it around an exported model, and serve it.

:mod:`edgeseg.web.build` assembles the static page (the sources in ``web_demo/src``, the
browser runtime copied from ``web_demo/node_modules``, the model and its metadata, a service
worker's file list); :mod:`edgeseg.web.serve` serves a built page with the headers that
WebAssembly threads need. Neither imports torch unless the embedded default must be exported.
"""
