"""Streaming tables to Parquet in blocks of replicates gives the same tables as holding them in
memory, whatever the block size and the number of workers."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.parquet_blocks import ParquetBlockWriter
from experiments.replicates import run_replicates, stream_replicates
from helpers.scenarios import scenario_params

REPLICATES = 12


@pytest.fixture(scope="module")
def params():
    return scenario_params("model.horizon_days=60")


def round_trip(table: pd.DataFrame, path) -> pd.DataFrame:
    table.to_parquet(path, index=False)
    return pd.read_parquet(path)


def streamed(params, tmp_path, block: int, workers: int) -> dict[str, pd.DataFrame]:
    writers = {name: ParquetBlockWriter(tmp_path / f"{name}-{block}-{workers}.parquet", block)
               for name in ("daily", "events")}
    stream_replicates(params, 5, REPLICATES, lambda t: (writers["daily"].add(t.daily), writers["events"].add(t.events)),
                      workers=workers)
    return {name: pd.read_parquet(w.close()) for name, w in writers.items()}


@pytest.mark.parametrize("block, workers", [(1, 1), (5, 2), (1000, 2)])
def test_streamed_tables_equal_the_tables_in_memory(params, tmp_path, block, workers):
    memory = run_replicates(params, 5, REPLICATES, workers=1)
    files = streamed(params, tmp_path, block, workers)
    for name in ("daily", "events"):
        expected = round_trip(getattr(memory, name), tmp_path / f"{name}-memory.parquet")
        pd.testing.assert_frame_equal(files[name], expected, check_dtype=True)


def test_the_parts_are_removed(params, tmp_path):
    streamed(params, tmp_path, 3, 1)
    assert not list(tmp_path.glob(".*parts*"))


def test_a_block_size_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="block_replicates must be at least 1"):
        ParquetBlockWriter(tmp_path / "x.parquet", 0)
