"""A table written to one Parquet file while it is simulated, in memory that does not grow with the
number of replicates: rows arrive in replicate order, are gathered into blocks of a fixed number of
replicates (so a block's contents never depend on how many workers ran them), each block goes to a
part file, and the parts are joined into the one file at the end under their common schema."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.io import atomic_write

BLOCK_REPLICATES = 1000  # about 200 MB of daily rows for the default scenario


class ParquetBlockWriter:
    """Streams a table's rows, given as DataFrames in replicate order, into `path`."""

    def __init__(self, path: Path, block_replicates: int = BLOCK_REPLICATES):
        if block_replicates < 1:
            raise ValueError(f"block_replicates must be at least 1, got {block_replicates}")
        self.path = Path(path)
        self.block_replicates = block_replicates
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._parts_dir = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=f".{self.path.name}.parts."))
        self._parts: list[Path] = []
        self._pending: list[pd.DataFrame] = []
        self._block_end = block_replicates

    def add(self, frame: pd.DataFrame) -> None:
        """Rows of the next replicates (a `replicate` column, never below one already added)."""
        while not frame.empty:
            replicate = frame["replicate"].to_numpy()
            inside = replicate < self._block_end
            if inside.all():
                self._pending.append(frame)
                return
            if inside.any():
                self._pending.append(frame[inside])
            frame = frame[~inside]
            self._flush()
            # skip blocks with no rows at all (e.g. replicates without events)
            first = int(frame["replicate"].iloc[0])
            self._block_end = (first // self.block_replicates + 1) * self.block_replicates

    def _flush(self) -> None:
        """The gathered block, concatenated as one in-memory table would be, to its part file."""
        frames = [f for f in self._pending if not f.empty]
        self._pending = []
        if not frames:
            return
        block = pd.concat(frames, ignore_index=True)
        part = self._parts_dir / f"part-{len(self._parts):06d}.parquet"
        block.to_parquet(part, index=False)
        self._parts.append(part)

    def close(self) -> Path:
        """Write the file (atomically) and remove the parts; returns its path."""
        self._flush()
        try:
            if not self._parts:
                atomic_write(self.path, lambda p: pd.DataFrame().to_parquet(p, index=False))
            elif len(self._parts) == 1:
                atomic_write(self.path, lambda p: shutil.copyfile(self._parts[0], p))
            else:
                atomic_write(self.path, self._join)
        finally:
            self.abort()
        return self.path

    def _join(self, target: Path) -> None:
        """One file from the parts, each cast to the schema that holds them all (a column missing
        from a block is null there; an integer column with a float block becomes float)."""
        schemas = [pq.read_schema(p).remove_metadata() for p in self._parts]
        schema = pa.unify_schemas(schemas, promote_options="permissive")
        with pq.ParquetWriter(target, schema) as writer:
            for part in self._parts:
                table = pq.read_table(part).replace_schema_metadata(None)
                columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
                           else pa.nulls(table.num_rows, f.type) for f in schema]
                writer.write_table(pa.Table.from_arrays(columns, schema=schema))

    def abort(self) -> None:
        """Remove the part files (after `close`, or when the job failed)."""
        shutil.rmtree(self._parts_dir, ignore_errors=True)
        self._parts = []

