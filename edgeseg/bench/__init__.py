"""`edgeseg bench`: fps, memory and AUPR parity of every exported file against the full models.

- :mod:`edgeseg.bench.harness`: the run (fresh process per runner, alternating rounds, tables,
  JSON, Markdown, plots);
- :mod:`edgeseg.bench.worker`: one timing measurement in a fresh process;
- :mod:`edgeseg.bench.accuracy`: per-lesion test AUPR on the same photographs;
- :mod:`edgeseg.bench.adb`: on a phone, through TFLite's ``benchmark_model``.
"""
