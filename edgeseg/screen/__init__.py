"""`edgeseg screen`: a screening programme's photographs through the embedded default (or any
model file) into one Parquet table, one row per photograph, on one machine or a Ray cluster,
resumable (edgeseg issue #34). Sources: :mod:`.sources`; one photograph's row: :mod:`.rows`; the
table written in atomically committed parts: :mod:`.table`; the engines: :mod:`.engines`."""
