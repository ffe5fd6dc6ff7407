"""Results are never silently wrong: a damaged sweep is redone to the same summary or refused, a
folder in use is locked, failures exit non-zero, and a run folder is complete (its manifest, written
last, verifies) or visibly not."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf
from pandas.testing import assert_frame_equal

from experiments import callbacks
from experiments.locks import LOCK_FILE, FolderLocked, acquire, held_by, release
from experiments.manifest import MANIFEST_FILE, clear_run_files, problems, write_manifest

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ["-m", "model.mediator.initial_credibility=0.2,0.5,0.8", "replicates=3", "model.horizon_days=30",
         "progress=false", "workers=1", "hydra/launcher=basic"]


def siege_run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def summary(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep_summary.parquet").sort_values("point").reset_index(drop=True)


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("integrity") / "sweep"
    proc = siege_run(*SWEEP, f"hydra.sweep.dir={folder}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return folder


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {
    "truncate runs.parquet": lambda d: _truncate(d / "1" / "runs.parquet"),
    "delete runs.parquet": lambda d: (d / "1" / "runs.parquet").unlink(),
    "truncate daily.parquet": lambda d: _truncate(d / "1" / "daily.parquet"),
    "another point's runs.parquet": lambda d: shutil.copy(d / "0" / "runs.parquet", d / "1" / "runs.parquet"),
    "garbled status.json": lambda d: (d / "1" / "status.json").write_text("{not json"),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_point_is_refused_by_the_aggregation_and_redone_by_a_rerun(tmp_path, finished_sweep, kind):
    damaged = tmp_path / "sweep"
    shutil.copytree(finished_sweep, damaged)
    DAMAGE[kind](damaged)
    alone = subprocess.run([sys.executable, "-m", "experiments.sweeps.aggregate", str(damaged)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert alone.returncode == 1, "a summary over damaged files is not silently right"
    assert "point 1 " in alone.stdout and "(1)" in alone.stderr
    rerun = siege_run(*SWEEP, f"hydra.sweep.dir={damaged}")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "[point 0] already finished, skipped" in rerun.stdout
    assert "[point 1] already finished" not in rerun.stdout, "the damaged point is redone"
    assert_frame_equal(summary(damaged), summary(finished_sweep))


def test_a_second_sweep_into_a_folder_in_use_stops_at_once(tmp_path):
    folder = tmp_path / "shared"
    first = subprocess.Popen([sys.executable, "-m", "experiments.run", "-m", "model.terms.expulsion_fraction=0.1,0.2",
                              "replicates=40", "progress=false", "workers=1", "hydra/launcher=basic",
                              f"hydra.sweep.dir={folder}"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (folder / LOCK_FILE).exists() and time.time() < deadline:
            time.sleep(0.2)
        second = siege_run("-m", "model.terms.expulsion_fraction=0.3,0.4", "replicates=2", "progress=false",
                           f"hydra.sweep.dir={folder}")
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "is in use by process" in lines[0] and str(first.pid) in lines[0]
    finally:
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    assert set(summary(folder)["model.terms.expulsion_fraction"].astype(str)) == {"0.1", "0.2"}
    assert not (folder / LOCK_FILE).exists(), "the lock is released at the end"


def test_an_interrupted_run_is_visibly_incomplete_unlocked_and_redone(tmp_path):
    folder = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.run", "replicates=2000", "workers=1",
                             "progress=false", "report=false", f"hydra.run.dir={folder}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (folder / LOCK_FILE).exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert not (folder / MANIFEST_FILE).exists() and not (folder / LOCK_FILE).exists()
    again = siege_run("replicates=4", "workers=1", "progress=false", "report=false", f"hydra.run.dir={folder}")
    assert again.returncode == 0, again.stderr[-2000:]
    assert not problems(folder), "the rerun leaves a complete, intact folder"


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename, "command": "old",
                                                "started": "2026-01-01T00:00:00+00:00"}))
    proc = siege_run("replicates=2", "workers=1", "progress=false", "report=false", f"hydra.run.dir={folder}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "taking over the lock" in proc.stderr and not (folder / LOCK_FILE).exists()


def test_a_lock_is_held_against_others_and_released_by_its_holder(tmp_path):
    acquire(tmp_path)
    assert held_by(tmp_path) is None, "this process holds it"
    holder = json.loads((tmp_path / LOCK_FILE).read_text())
    (tmp_path / LOCK_FILE).write_text(json.dumps({**holder, "pid": os.getppid()}))  # a live process, not this one
    assert "process" in (held_by(tmp_path) or "")
    with pytest.raises(FolderLocked, match="is in use by process"):
        acquire(tmp_path)
    release(tmp_path)
    assert (tmp_path / LOCK_FILE).exists(), "a lock held by another process is left alone"


def test_the_manifest_names_every_kind_of_damage(tmp_path):
    (tmp_path / "a.parquet").write_bytes(b"")
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(tmp_path / "a.parquet")
    (tmp_path / "b.txt").write_text("hello")
    manifest = write_manifest(tmp_path, ["a.parquet", "b.txt"], identity="abc")
    assert manifest["files"]["a.parquet"]["rows"] == 3
    assert problems(tmp_path, identity="abc") == []
    assert problems(tmp_path, identity="xyz") == ["identity is 'abc', not 'xyz'"]
    (tmp_path / "b.txt").write_text("hellO")
    assert problems(tmp_path) == ["b.txt has changed (checksum)"]
    (tmp_path / "b.txt").unlink()
    assert problems(tmp_path) == ["b.txt is missing"]
    assert clear_run_files(tmp_path) == [MANIFEST_FILE]
    assert problems(tmp_path) == ["no readable manifest.json (the run did not finish)"]


def test_a_failed_aggregation_is_kept_for_the_exit_code(tmp_path):
    cfg = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}, "sweeper": {"_target_": "basic"}}})
    callbacks.OUTCOME.error = ""
    callbacks.SweepCallback().on_multirun_end(cfg)
    assert "aggregation" in callbacks.OUTCOME.error and not callbacks.OUTCOME.ok
    callbacks.OUTCOME.error = ""
