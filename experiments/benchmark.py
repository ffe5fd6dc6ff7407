"""Speed benchmark: `python -m experiments.benchmark` (console script `siege-benchmark`).

Prints seconds per replicate and per simulated day of the default Daraa scenario against the floor
(the same day's array work written straight, experiments/floor.py) and beside Mesa's own
Epstein civil-violence example at about the same number of agents, per step and per run, replicates
per second on all cores, and the cost of 50,000 civilians and of 4,000 fighters relative to the
default. `--memory` adds the peak memory of the main job at several replicate counts, `--sweep` the
overhead per sweep point. Figures, not assertions: timing belongs here, not in the unit tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from experiments.config.compose import compose, to_run_config
from experiments.floor import floor_ms_per_day
from experiments.replicates import resolve_workers, run_replicates
from sim.model import SiegeModel
from sim.params import ModelParams


def epstein_seconds(agents: int = 400, steps: int = 120, repeats: int = 3) -> tuple[float, int]:
    """Median wall time of Mesa's Epstein example with about `agents` agents for `steps` steps."""
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence, EpsteinScenario

    density = 0.7 + 0.074
    side = round((agents / density) ** 0.5)
    times, count = [], 0
    for r in range(repeats):
        model = EpsteinCivilViolence(width=side, height=side,
                                     scenario=EpsteinScenario(rng=r, max_iters=steps + 10))
        count = len(model.agents)
        start = time.perf_counter()
        for _ in range(steps):
            model.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def siege_timing(params: ModelParams, replicates: int) -> tuple[float, float, float]:
    """(seconds per replicate, milliseconds per simulated day, mean days) in this process."""
    days = 0
    start = time.perf_counter()
    for r in range(replicates):
        model = SiegeModel(params, root_seed=1, replicate=r).run()
        days += model.day
    elapsed = time.perf_counter() - start
    return elapsed / replicates, 1000 * elapsed / days, days / replicates


SWEEP_AXES = ["model.terms.expulsion_fraction=0,0.1,0.2,0.3,0.4",
              "model.mediator.initial_credibility=0.1,0.3,0.5,0.7,0.9"]


def sweep_benchmark(replicates: int, launcher: list[str], out: Path) -> dict[str, float]:
    """Run a 25-point sweep as a user would (a subprocess) and time it. In-job overhead is a job's time
    not spent simulating; the last column is the wall time per point beyond the one-pool reference."""
    import json
    import subprocess
    import sys

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "experiments.run", "-m", *SWEEP_AXES, f"replicates={replicates}",
                    "report=false", "progress=false", f"hydra.sweep.dir={out}", *launcher],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    statuses = [json.loads(p.read_text()) for p in out.glob("*/status.json")]
    simulating = sum(s["replicates_seconds"] for s in statuses)
    jobs = sum(s["job_seconds"] for s in statuses)
    points = len(statuses)
    return {"wall": wall, "points": points, "rate": points * replicates / wall,
            "job_overhead": (jobs - simulating) / points}


def pool_benchmark(replicates: int) -> float:
    """Replicates per second for the same 25 points' replicates in one process pool."""
    import itertools

    points = [to_run_config(compose([f"model.terms.expulsion_fraction={e}",
                                     f"model.mediator.initial_credibility={g}"])).model
              for e, g in itertools.product([0, 0.1, 0.2, 0.3, 0.4], [0.1, 0.3, 0.5, 0.7, 0.9])]
    run_replicates(points[0], 1, 8, workers=0)  # warm the pool, as a sweep's first point does
    start = time.perf_counter()
    for params in points:
        run_replicates(params, 20210624, replicates, workers=0)
    return len(points) * replicates / (time.perf_counter() - start)


def sweep_main(replicates: int) -> None:
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pool = pool_benchmark(replicates)
        rows.append(("one process pool (reference)", f"{pool:.1f} rep/s", "", "", ""))
        for name, launcher in (("joblib launcher, a job per core (default)", []),
                               ("basic launcher, points in turn, in-job pool", ["hydra/launcher=basic"]),
                               ("ray launcher, local cluster, a job per core", ["hydra/launcher=ray"])):
            try:
                r = sweep_benchmark(replicates, launcher, Path(tmp) / name.split()[0])
            except Exception as exc:  # a missing optional launcher is reported, not fatal
                rows.append((name, f"not run ({type(exc).__name__})", "", "", ""))
                continue
            rows.append((name, f"{r['rate']:.1f} rep/s", f"{r['rate'] / pool:.0%}", f"{r['job_overhead']:.2f} s",
                         f"{r['wall'] / r['points'] - replicates / pool:+.2f} s"))
    print(f"25 points x {replicates} replicates")
    print(f"{'how':<48} {'throughput':>12} {'vs pool':>8} {'overhead/point in job':>22} {'vs pool/point':>14}")
    for name, rate, ratio, job, overall in rows:
        print(f"{name:<48} {rate:>12} {ratio:>8} {job:>22} {overall:>14}")


def peak_memory_mib(replicates: int) -> float:
    """Peak resident memory (MiB) of the largest process of the main job (`siege-run`, report
    included) at `replicates`, measured from a wrapper process that waits for it."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        job = [sys.executable, "-m", "experiments.run", f"replicates={replicates}", "progress=false",
               f"hydra.run.dir={tmp}"]
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                 "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", probe, *job], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[-1]) / 1024


def memory_main(counts: list[int]) -> None:
    print(f"{'replicates':>10}  {'peak memory':>12}  {'wall':>8}")
    for n in counts:
        start = time.perf_counter()
        peak = peak_memory_mib(n)
        print(f"{n:>10,}  {peak:>8,.0f} MiB  {time.perf_counter() - start:>6.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=40, help="replicates per single-process timing")
    parser.add_argument("--pool-replicates", type=int, default=200, help="replicates for the all-cores timing")
    parser.add_argument("--sweep", action="store_true",
                        help="instead: time a 25-point sweep per launcher against one process pool")
    parser.add_argument("--sweep-replicates", type=int, default=100, help="replicates per sweep point")
    parser.add_argument("--memory", type=lambda text: [int(n) for n in text.split(",")], metavar="N,N,...",
                        help="instead: peak memory of the main job at these replicate counts (e.g. "
                             "1000,10000,100000; about 16 replicates a second on 2 cores)")
    args = parser.parse_args()
    if args.memory:
        memory_main(args.memory)
        return
    if args.sweep:
        sweep_main(args.sweep_replicates)
        return

    base = to_run_config(compose([])).model
    many_civilians = to_run_config(compose(["model.civilians.count=50000"])).model
    many_fighters = to_run_config(compose(["model.fighters.count=4000"])).model
    full_horizon = to_run_config(compose(["model.mediator.max_escalation=SHELLING",
                                          "model.besieger.probe_attacks_per_day=0",
                                          "model.besieger.assault_attacks_per_day=0"])).model

    epstein, agents = epstein_seconds()
    per_rep, per_day, days = siege_timing(base, args.replicates)
    floor = floor_ms_per_day(base)
    _, per_day_120, days_120 = siege_timing(full_horizon, max(5, args.replicates // 4))
    _, per_day_civ, _ = siege_timing(many_civilians, args.replicates)
    _, per_day_fig, _ = siege_timing(many_fighters, max(5, args.replicates // 4))
    workers = resolve_workers(0)
    start = time.perf_counter()
    run_replicates(base, 1, args.pool_replicates, workers=0)
    pool_rate = args.pool_replicates / (time.perf_counter() - start)

    per_step_epstein = 1000 * epstein / 120
    rows = [
        ("Mesa Epstein civil violence example", f"{agents} agents, 120 steps", f"{epstein:.3f} s"),
        ("Mesa Epstein, per step", f"{agents} agents", f"{per_step_epstein:.2f} ms"),
        ("Siege, default Daraa replicate", f"400 fighters, mean {days:.0f} days", f"{per_rep:.4f} s"),
        ("Siege, per simulated day", "default scenario", f"{per_day:.3f} ms"),
        ("Floor: the day's array work written straight", "experiments/floor.py", f"{floor:.3f} ms"),
        ("Siege day vs the floor", "aim <= 1.5x", f"{per_day / floor:.1f}x"),
        ("Speed-up over Epstein per step", "aim >= 50x", f"{per_step_epstein / per_day:.1f}x"),
        ("Siege, a full 120-day replicate", f"runs to the horizon ({days_120:.0f} days)",
         f"{per_day_120 * days_120 / 1000:.4f} s"),
        ("Speed-up over Epstein (120-day replicate)", "same agents and steps",
         f"{epstein / (per_day_120 * days_120 / 1000):.1f}x"),
        ("Replicates per second, all cores", f"{workers} workers, {args.pool_replicates} replicates",
         f"{pool_rate:.1f} /s"),
        ("50,000 civilians vs default", "cost per simulated day", f"{per_day_civ / per_day:.2f}x (aim <= 1.5x)"),
        ("4,000 fighters vs default", "cost per simulated day", f"{per_day_fig / per_day:.2f}x (aim <= 10x)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'setting':<36}  figure")
    for name, setting, figure in rows:
        print(f"{name:<{width}}  {setting:<36}  {figure}")


if __name__ == "__main__":
    main()
