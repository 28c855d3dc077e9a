"""The screening table: a Parquet dataset, one folder of parts that any Parquet reader opens as
one table (``pyarrow.parquet.read_table(folder)``, ``pandas.read_parquet(folder)``, Spark,
DuckDB). Each batch of rows is one part, written beside its final name and renamed into place,
so a killed run leaves whole parts only; a second run reads the content hashes of the rows
already there and screens only the rest, so no photograph gets two rows."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from edgeseg.errors import DataError

PART_PREFIX = "part-"


def arrow_schema(columns: dict[str, str], carried: dict[str, object]):
    """The Arrow schema of the table: the row columns, then the manifest's carried columns."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    fields = [pa.field(name, types[kind]) for name, kind in columns.items()]
    fields += [pa.field(name, kind) for name, kind in carried.items() if name not in columns]
    return pa.schema(fields)


def carried_types(carried_rows: Iterable[dict]) -> dict[str, object]:
    """The Arrow type of each carried column, inferred from all its values."""
    import pyarrow as pa

    rows = list(carried_rows)
    names = list(dict.fromkeys(name for row in rows for name in row))
    return {name: pa.array([row.get(name) for row in rows]).type for name in names}


class ScreenTable:
    """The parts of one screening table in ``folder``."""

    def __init__(self, folder: Path, schema) -> None:
        self.folder, self.schema = Path(folder), schema
        if self.folder.exists() and not self.folder.is_dir():
            raise DataError(f"{self.folder}: exists and is not a folder; `edgeseg screen --out` names a folder of Parquet parts")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.run = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        self.parts = 0

    def part_files(self) -> list[Path]:
        return sorted(self.folder.glob(f"{PART_PREFIX}*.parquet"))

    def done(self) -> tuple[set[str], set[str]]:
        """The content hashes of the photographs the table already has a row for, and the paths of
        its rows without one (files that could not be read at all)."""
        import pyarrow.parquet as pq

        hashes: set[str] = set()
        unhashed: set[str] = set()
        for part in self.part_files():
            try:
                columns = pq.read_table(part, columns=["path", "sha256"]).to_pydict()
            except Exception as exc:  # a part from another program or another schema
                raise DataError(f"{part}: not a part of an `edgeseg screen` table ({str(exc).splitlines()[0][:120]}); "
                                "give --out a new folder") from None
            for path, digest in zip(columns["path"], columns["sha256"]):
                if digest:
                    hashes.add(digest)
                else:
                    unhashed.add(path)
        return hashes, unhashed

    def write(self, rows: list[dict]) -> Path | None:
        """Commit ``rows`` as one part (atomically: written under a hidden name, then renamed)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not rows:
            return None
        table = pa.Table.from_pylist([{name: row.get(name) for name in self.schema.names} for row in rows], schema=self.schema)
        self.parts += 1
        final = self.folder / f"{PART_PREFIX}{self.run}-{self.parts:05d}.parquet"
        hidden = self.folder / f".{final.name}.tmp"
        pq.write_table(table, hidden)
        os.replace(hidden, final)
        return final
