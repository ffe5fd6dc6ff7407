"""Every bad input is refused cleanly (issue 9): one line on stderr naming the key, the value and what
is allowed, exit code 2, no traceback, and no output folder (neither outputs/ nor multirun/).

END_TO_END runs the real `siege-run` in a subprocess from a scratch working folder, at least one case
for every kind of bad input (about 1.5 s each, so they run a few at a time). The other tables check
the rest of each kind at the function the command calls (precheck for a command line, Case for a
case file, load_ranges for a ranges file, check_output_folder for an output folder), where a
subprocess would add nothing but time."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from experiments.config.cases import CASES_DIR, MAX_CASE_BYTES, Case, load_cases, register_cases
from experiments.config.compose import compose
from experiments.config.ranges import load_ranges
from experiments.config.schema import ConfigError
from experiments.run import MIN_FREE_BYTES, check_output_folder, precheck

SECRET = "hunter2-must-not-leak"
SIEGE_RUN = Path(sys.executable).with_name("siege-run")
COMMAND = [str(SIEGE_RUN)] if SIEGE_RUN.exists() else [sys.executable, "-m", "experiments.run"]
HOMS = (CASES_DIR / "homs_old_city_2014.yaml").read_text(encoding="utf-8")
BOMB = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB


def case_text(*edits: tuple[str, str], case_id: str = "my_town") -> str:
    """The Homs case file under another id, with text replacements (each must apply)."""
    text = HOMS.replace("id: homs_old_city_2014", f"id: {case_id}")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


# One case for every kind of bad input: id, files to write into the scratch folder (text, bytes, or
# None for a folder), the command line ({work}: the scratch folder), what the one line must contain.
END_TO_END = [
    ("unknown key", {}, ["model.fighters.cont=5"], ["model.fighters.cont", "did you mean model.fighters.count"]),
    ("no such day", {}, ["model.start_date=2021-02-30"],
     ["model.start_date='2021-02-30' is not allowed", "ISO date YYYY-MM-DD", "out of range for month"]),
    ("seed too large", {}, [f"seed={2**63}"], [f"seed={2**63} is not allowed", "2**63 - 1", "64-bit"]),
    ("scenario name leaves outputs/", {}, ["scenario_name=../../elsewhere"],
     ["scenario_name='../../elsewhere' is not allowed", "lowercase letters, digits and underscores"]),
    ("provenance on the command line", {}, ["+provenance.model.foo=x"],
     ["provenance.model.foo='x' is not allowed", "config files"]),
    ("calibration bound misspelt", {}, ["+experiment=calibration",
                                        "calibration.parameters=[{path: mediator.impatience, lo: 0, high: 1}]"],
     ["calibration.parameters[0].lo=0 is not allowed", "did you mean low?"]),
    ("empty sweep value", {}, ["-m", "model.terms.expulsion_fraction=0.1,,0.3"],
     ["model.terms.expulsion_fraction=0.1,,0.3 is not allowed", "no value of a sweep left empty"]),
    ("case file not UTF-8", {"cases/my.yaml": case_text().encode("utf-8") + "# caf\xe9\n".encode("latin-1")},
     ["cases_dir={work}/cases"], ["{work}/cases/my.yaml is not allowed: UTF-8 text", "0xe9"]),
    ("case file just a string", {"cases/my.yaml": "just a string\n"}, ["cases_dir={work}/cases"],
     ["my.yaml is not allowed: a case file is a mapping of id, name, facts", "the str 'just a string'"]),
    ("case id a path", {"cases/my.yaml": case_text(case_id="../../evil")}, ["cases_dir={work}/cases"],
     ["id='../../evil' is not allowed", "lowercase letters, digits and underscores"]),
    ("unknown recorded outcome", {"cases/my.yaml": case_text(("outcome_class: full_evacuation",
                                                               "outcome_class: total_victory"))},
     ["cases_dir={work}/cases", "+experiment=hindcast", "hindcast.cases=[my_town]", "replicates=2"],
     ["recorded.outcome_class='total_victory' is not allowed", "full_evacuation"]),
    ("interpolation in a case file", {"cases/my.yaml": case_text(("guarantor: UN monitors",
                                                                   "guarantor: ${oc.env:SIEGE_SECRET}"))},
     ["cases_dir={work}/cases", "scenario=my_town"],
     ["facts.guarantor='${oc.env:SIEGE_SECRET}' is not allowed", "never interpolated"]),
    ("interpolation in a ranges file", {"ranges.yaml": "parameters:\n  model.fighters.resolve_mean: "
                                                       "{lo: 0.2, hi: 0.8, reason: '${oc.env:SIEGE_SECRET}'}\n"},
     ["+experiment=morris", "hydra.sweeper.ranges={work}/ranges.yaml"],
     ["parameters.model.fighters.resolve_mean.reason='${oc.env:SIEGE_SECRET}' is not allowed"]),
    ("run dir under a file", {"a_file": "x"}, ["hydra.run.dir={work}/a_file/run"],
     ["hydra.run.dir='{work}/a_file/run' is not allowed", "Not a directory"]),
]


def siege_run(args: list[str], work: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SIEGE_SECRET": SECRET}
    return subprocess.run([*COMMAND, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def refusals(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path, set[str]]]:
    """Every END_TO_END case run once, a few at a time: its process, its scratch folder and the
    names that folder held before the run."""
    works = []
    for _, files, _, _ in END_TO_END:
        work = tmp_path_factory.mktemp("refused")  # here, not in the threads: pytest's temp root is not thread-safe
        for rel, content in files.items():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.mkdir()
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        works.append(work)
    befores = [set(os.listdir(work)) for work in works]
    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = list(pool.map(lambda case, work: siege_run([a.replace("{work}", str(work)) for a in case[2]], work),
                              END_TO_END, works))
    return {case[0]: (proc, work, before) for case, proc, work, before in zip(END_TO_END, procs, works, befores)}


@pytest.mark.parametrize("name, files, args, expected", END_TO_END, ids=[c[0] for c in END_TO_END])
def test_the_command_refuses_a_bad_input_in_one_line(refusals, name, files, args, expected):
    proc, work, before = refusals[name]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    for text in expected:
        assert text.replace("{work}", str(work)) in lines[0]
    assert " is not allowed" in lines[0] or " are not allowed" in lines[0]
    assert set(os.listdir(work)) == before, "no output folder (outputs/, multirun/ or hydra.run.dir) was created"
    assert SECRET not in proc.stdout + proc.stderr


# A command line: what precheck (the command's first step) refuses, with the one line's key and value
# and what is allowed (the command prints it after "error: ")
REFUSED_OVERRIDES = [
    # unknown keys, types, ranges, consistency (tests/test_config.py had these)
    (["+model.foo=1"], ["model.foo", "allowed"]),                                     # '+' cannot slip past
    (["model.fighters.count=abc"], ["model.fighters.count='abc' is not allowed", "a whole number"]),
    (["model.mediator.air_cover=MAYBE"], ["air_cover='MAYBE'", "WITHHELD, CONDITIONAL, GRANTED"]),
    (["model.terms.besieger_entry=perhaps"], ["besieger_entry='perhaps'", "true or false"]),
    (["model.civilians.corridor=AJAR"], ["corridor='AJAR'", "OPEN, RESTRICTED, CLOSED"]),
    (["model.fighters.count=-5"], ["model.fighters.count=-5", "[1, 100000]"]),
    (["model.terms.expulsion_fraction=1.5"], ["expulsion_fraction=1.5", "[0, 1]"]),
    (["model.terms.expulsion_list=500"], ["expulsion_list=500", "at most fighters.count (400)"]),
    (["model.fighters.count=10", "model.fighters.factions=15"], ["factions=15", "at most fighters.count (10)"]),
    (["model.district.evacuation_point_row=12"], ["evacuation_point_row=12", "below district.grid_height (10)"]),
    (["scenario=atlantis"], ["scenario='atlantis'", "daraa_2021"]),
    (["+experiment=../x"], ["experiment='../x' is not allowed", "calibration"]),
    # dates
    (["model.start_date=notadate"], ["model.start_date='notadate' is not allowed", "YYYY-MM-DD"]),
    (["model.start_date=20210624"], ["model.start_date='20210624'", "YYYY-MM-DD"]),   # Python would take it
    (["model.start_date=2021-W25-4"], ["model.start_date='2021-W25-4'", "YYYY-MM-DD"]),
    (["model.start_date=9999-12-30"], ["model.start_date='9999-12-30'", "horizon_days (120) before 9999-12-31"]),
    # the run's own settings and their caps
    (["replicates=0"], ["replicates=0", "[1, 1000000]"]),
    (["replicates=1000001"], ["replicates=1000001 is not allowed", "[1, 1000000]", "streamed to disk"]),
    (["workers=-1"], ["workers=-1", "0 (all cores)"]),
    (["workers=257"], ["workers=257 is not allowed", "[1, 256]", "per core"]),
    (["seed=-1"], ["seed=-1", "[0, 2**63 - 1"]),
    (["+experiment=hindcast", "hindcast.horizon_days=4000"], ["hindcast.horizon_days=4000", "[1, 3650]"]),
    # names that become folders
    (["scenario_name=a/b"], ["scenario_name='a/b'", "outputs/<scenario_name>/"]),
    (["scenario_name=..", "model.horizon_days=5"], ["scenario_name='..' is not allowed"]),
    (["scenario_name=My_Town"], ["scenario_name='My_Town'"]),
    (["scenario_name=a=b"], ["scenario_name=a=b is not allowed"]),                   # Hydra cannot parse it
    # what the command line cannot say, or says unclearly
    (["+provenance.x=text"], ["provenance.x='text' is not allowed", "a key naming a model parameter"]),
    (["-m", "+reference.model.foo=1", "model.terms.expulsion_fraction=0.1,0.3"], ["reference.model.foo=1"]),
    (["model.terms.expulsion_fraction=[0.1"], ["model.terms.expulsion_fraction=[0.1 is not allowed", "closed"]),
    (["-m", "model.terms.expulsion_fraction=0.1,0.3,"], ["model.terms.expulsion_fraction=0.1,0.3, is not allowed"]),
    (["-m", "model.terms.expulsion_fraction=0.1,1.5"], ["model.terms.expulsion_fraction=1.5 is not allowed", "[0, 1]"]),
    # a calibration's settings (tests/test_calibration.py had most, checked by check_parameters)
    (["+experiment=calibration", "calibration.parameters=[{path:fighters.count,low:100,high:500}]"],
     ["calibration.parameters[0].path='fighters.count' is not allowed", "not an assumption"]),
    (["+experiment=calibration", "calibration.parameters=[{path:negotiation.nothing,low:0,high:1}]"],
     ["calibration.parameters[0].path='negotiation.nothing' is not allowed", "not a model parameter"]),
    (["+experiment=calibration", "calibration.parameters=[{path:negotiation.temperature,low:0.5,high:0.1}]"],
     ["negotiation.temperature bounds [0.5, 0.1] are not allowed", "low < high"]),
    (["+experiment=calibration", "calibration.parameters=[{path:negotiation.temperature,low:0.0,high:0.1}]"],
     ["negotiation.temperature bounds [0.0, 0.1] are not allowed", "within [0.001"]),
    (["+experiment=calibration", "calibration.parameters=[]"], ["calibration.parameters=[] is not allowed",
                                                                "at least one parameter"]),
    (["+experiment=calibration", "calibration.parameters=[{path:negotiation.round_interval_days,low:2.5,high:6}]"],
     ["whole numbers too"]),
    (["+experiment=calibration", "calibration.parameters=[{path:mediator.impatience,low:0,high:0.1},"
                                 "{path:mediator.impatience,low:0,high:0.2}]"],
     ["calibration.parameters[0].path='mediator.impatience' is not allowed", "listed twice"]),
    (["+experiment=calibration", "calibration.install_as=../elsewhere"],
     ["calibration.install_as='../elsewhere' is not allowed", "a plain name"]),
    (["+experiment=calibration", "calibration.trials=1"], ["calibration.trials=1 is not allowed", "at least 2"]),
    (["+experiment=calibration", "calibration.top_share=0"], ["calibration.top_share=0.0 is not allowed"]),
    (["+experiment=calibration", "calibration.parameters=[{path:mediator.impatience,low:abc,high:1}]"],
     ["calibration.parameters[0].low='abc' is not allowed: a number"]),
    (["+experiment=calibration", "calibration.parameters=[3]"], ["calibration.parameters[0]=3 is not allowed"]),
    (["+experiment=calibration", "calibration.parameters=abc"], ["calibration.parameters='abc' is not allowed",
                                                                 "a list"]),
    (["+experiment=hindcast", "hindcast.cases=[atlantis]"], ["hindcast.cases=['atlantis'] is not allowed",
                                                            "unknown: atlantis"]),
    (["cases_dir=/nonexistent/folder"], ["cases_dir='/nonexistent/folder' is not allowed", "a folder"]),
    # a comparison's arms (an arm is named like a folder, sets model.* or case.* only, and is checked
    # like the command line, its name leading the message)
    (["+experiment=compare"], ["comparison.arms is empty", "+comparison.arms.granted="]),
    (["+experiment=compare", "+comparison.arms.x={model.mediator.air_cover:MAYBE}"],
     ["comparison.arms.x: model.mediator.air_cover='MAYBE' is not allowed", "WITHHELD, CONDITIONAL, GRANTED"]),
    (["+experiment=compare", "+comparison.arms.x={model.mediator.air_covr:GRANTED}"],
     ["comparison.arms.x: model.mediator.air_covr", "did you mean model.mediator.air_cover"]),
    (["+experiment=compare", "+comparison.arms.x={seed:3}"],
     ["comparison.arms.x.seed=3 is not allowed", "model.* or case.*", "-m scenario=a,b"]),
    (["+experiment=compare", "+comparison.arms.baseline={model.mediator.air_cover:GRANTED}"],
     ["comparison.arms.baseline is not allowed", "the name of the baseline arm"]),
    (["+experiment=compare", "+comparison.arms.A_b={model.mediator.air_cover:GRANTED}"],
     ["comparison.arms.A_b='A_b' is not allowed", "lowercase letters"]),
    (["+experiment=compare", "+comparison.arms.x=3"], ["comparison.arms.x=3 is not allowed", "a mapping"]),
    (["+experiment=compare", "comparison.arms.x={model.mediator.air_cover:GRANTED}"],
     ["comparison.arms.x is not in the config yet", "leading '+'"]),
    (["+experiment=compare_air_cover", "comparison.arms.granted={model.mediator.air_cover:SOMETIMES}"],
     ["comparison.arms.granted: model.mediator.air_cover='SOMETIMES' is not allowed"]),
    (["-m", "+experiment=compare_air_cover", "seed=1,2"], ["comparison is one job"]),
    (["+experiment=compare", "+comparison.arms.x={model.mediator:{air_cover:GRANTED}}"],
     ["comparison.arms.x.model.mediator=", "a whole section would reset its other parameters"]),
    (["+experiment=compare", "+calibration=abc_cases", "+comparison.arms.x={model.combat.shell_lethality:0.0001}"],
     ["comparison.arms.x.model.combat.shell_lethality=0.0001 is not allowed", "the posterior"]),
    # NaN passes every range check and breaks the case mapping: refused by name
    (["case.expulsion_fraction=nan"], ["case.expulsion_fraction=nan is not allowed: a finite number"]),
    (["model.terms.expulsion_fraction=inf"], ["model.terms.expulsion_fraction=inf is not allowed: a finite number"]),
    (["case.expulsion_fraction=1e308"], ["the case facts cannot be mapped to parameters"]),
]


@pytest.mark.parametrize("overrides, expected", REFUSED_OVERRIDES, ids=[" ".join(o) for o, _ in REFUSED_OVERRIDES])
def test_a_bad_command_line_is_one_clear_line(overrides, expected):
    with pytest.raises(ConfigError) as info:
        precheck(overrides)
    message = str(info.value)
    assert "\n" not in message
    for text in expected:
        assert text in message


# A case file: what reading it refuses (tests/test_cases.py had the first four)
REFUSED_CASE_FILES = [
    (case_text(("fighters_inside: 1500", "fighters_inside: many")), ["facts.fighters_inside='many'"]),
    (case_text(("air_power: INTENSIVE", "air_power: SOME")), ["facts.air_power='SOME'", "LIMITED"]),
    (case_text(("  outside_support: false\n", "  outside_support: false\n  rumour: 3\n")),
     ["facts.rumour is not allowed", "fighters_inside"]),
    (case_text(('  fighters_inside: "case file', '  fighters_inside_src: "case file')),
     ["sources.fighters_inside is not allowed to be missing", "every fact needs a source"]),
    (case_text(("  fighters_inside: 1500\n", "")), ["facts.fighters_inside is not allowed to be missing"]),
    ("", ["a case file is a mapping", "holds nothing"]),
    ("- a\n- b\n", ["a case file is a mapping", "a list of 2"]),
    ("42\n", ["a case file is a mapping", "the int 42"]),
    ("id: [unclosed\n", ["is not allowed: valid YAML", "line 2"]),
    ("a: " + "[" * 2000 + "]" * 2000 + "\n", ["nests too deep"]),
    (case_text(("name: Siege", "nmae: Siege")), ["nmae is not allowed", "id, name, facts, recorded, sources"]),
    (case_text(("name: Siege of the Old City of Homs, 2012-2014", "name: [1, 2]")), ["name=[1, 2] is not allowed"]),
    (case_text(case_id="My_Town"), ["id='My_Town' is not allowed"]),
    (case_text(case_id="'a/b'"), ["id='a/b' is not allowed"]),
    (case_text(case_id="'..'"), ["id='..' is not allowed"]),
    (case_text(case_id="'a=b'"), ["id='a=b' is not allowed"]),
    (case_text(case_id="'my town'"), ["id='my town' is not allowed"]),
    (case_text(case_id="2021"), ["id=2021 is not allowed"]),
    (case_text(case_id="a" * 65), ["id='aaaa", "at most 64 characters"]),
    (case_text(case_id="null"), ["id=None is not allowed"]),
    (case_text(("expulsion_fraction: 1.0", "expulsion_fraction: .nan")),
     ["facts.expulsion_fraction=nan is not allowed: a finite number"]),
    (case_text(("civilians_inside: 3000", "civilians_inside: .inf")), ["facts.civilians_inside=inf is not allowed"]),
    (case_text(("expulsion_fraction: 1.0", "expulsion_fraction: -.inf")), ["facts.expulsion_fraction=-inf"]),
    (case_text(("siege_length_days: 700", "siege_length_days: .nan")), ["recorded.siege_length_days=nan"]),
    (case_text(("expulsion_fraction: 1.0", "expulsion_fraction: 1e308")), ["facts are not allowed", "mapping"]),
    (case_text(('start_date: "2012-06-01"', "start_date: yesterday")),
     ["facts.start_date='yesterday' is not allowed", "ISO date YYYY-MM-DD"]),
    (case_text(('start_date: "2012-06-01"', 'start_date: "2012-13-01"')), ["facts.start_date='2012-13-01'"]),
    (case_text(('start_date: "2012-06-01"', "start_date: 2012-06-31")), ["facts.start_date='2012-06-31'"]),
    (case_text(('start_date: "2012-06-01"', "start_date: !!timestamp 2012-06-31")), ["valid YAML values"]),
    (case_text(("outcome_class: full_evacuation", "outcome_class: 3")), ["recorded.outcome_class='3'"]),
    (case_text(("siege_length_days: 700", "siege_length_days: -1")), ["recorded.siege_length_days=-1.0"]),
    (case_text(("fighters_evacuated: [900, 1800]", "fighters_evacuated: [900, 800]")), ["0 <= low <= high"]),
    (case_text(("fighters_evacuated: [900, 1800]", "fighters_evacuated: [1, 2, 3]")), ["[low, high]"]),
    (case_text(("fighters_evacuated: [900, 1800]", "fighters_evacuated: [5000, 6000]")),
     ["recorded.fighters_evacuated=[5000.0, 6000.0] is not allowed", "facts.fighters_inside (1500)"]),
    (case_text(("fighters_evacuated: [900, 1800]", "fighters_evacuated: [1600, null]")),
     ["a low end of at most facts.fighters_inside (1500)"]),
    (case_text() + "#" + "x" * MAX_CASE_BYTES + "\n", ["is not allowed: a case file of at most 64 kB"]),
    (BOMB, ["line 1: the anchor or alias 'a' is not allowed"]),
    (case_text(("sources:", "sources: [1]\nnot_sources:")), ["not_sources is not allowed"]),
    (case_text(("facts:", "facts: [1]\nnot_facts:")), ["not_facts is not allowed"]),
    (case_text(("name: Siege", "name: '${oc.env:HOME}'\nx: Siege")), ["name='${oc.env:HOME}' is not allowed"]),
    (case_text(('  mediator: "case file mediator"', '  mediator: "${now:%Y}"')), ["sources.mediator='${now:%Y}'"]),
    (case_text(("mediator: UN and Iran", "mediator: &m UN and Iran")), ["the anchor or alias 'm' is not allowed"]),
    (case_text(("guarantor: UN monitors", "guarantor: !!python/name:os.system")), ["valid YAML"]),
]


@pytest.mark.parametrize("text, expected", REFUSED_CASE_FILES, ids=[e[0][:50] for _, e in REFUSED_CASE_FILES])
def test_a_bad_case_file_is_refused_with_its_name_and_key(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Case(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    for part in expected:
        assert part in message


def test_a_folder_named_like_a_case_file_is_refused(tmp_path):
    (tmp_path / "ok.yaml").write_text(case_text(), encoding="utf-8")
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(ConfigError, match=r"x\.yaml is not allowed: a case file is a regular file, this is a folder"):
        load_cases(tmp_path)


def test_a_users_case_may_not_reuse_an_id(tmp_path):
    """(tests/test_hindcast.py ran this one through the command.)"""
    (tmp_path / "mine.yaml").write_text(case_text(case_id="daraa_2021"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"mine\.yaml: id='daraa_2021' is not allowed: .*already used by"):
        register_cases(user_dir=tmp_path)
    (tmp_path / "mine.yaml").write_text(case_text(case_id="twice"), encoding="utf-8")
    (tmp_path / "again.yaml").write_text(case_text(case_id="twice"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"id='twice' is not allowed: an id no other case has .*already used by"):
        register_cases(user_dir=tmp_path)


def test_a_sweep_folder_under_a_file_is_refused(tmp_path):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ConfigError, match=r"hydra\.sweep\.dir='.*a_file/sweep' is not allowed: .*Not a directory"):
        precheck(["-m", "model.terms.expulsion_fraction=0.1,0.2", f"hydra.sweep.dir={tmp_path / 'a_file' / 'sweep'}"])
    assert os.listdir(tmp_path) == ["a_file"]


def test_the_shipped_case_files_pass_the_same_checks():
    """The shipped cases go through the same reader (Homs records up to 1,800 evacuated of its 1,500:
    a range partly above the fighters inside is allowed, one wholly above is not)."""
    assert {c.id for c in load_cases()} == {p.stem for p in CASES_DIR.glob("*.yaml")}


def test_an_unquoted_date_in_a_case_file_reads_as_its_iso_text(tmp_path):
    path = tmp_path / "my.yaml"
    path.write_text(case_text(('start_date: "2012-06-01"', "start_date: 2012-06-01")), encoding="utf-8")
    assert Case(path).facts.start_date == "2012-06-01"


def test_no_scenario_writes_outside_the_output_root():
    for case in load_cases():
        cfg = compose([f"scenario={case.id}"], with_hydra=True)
        assert cfg.hydra.run.dir.startswith(f"outputs/{case.id}/")
        assert cfg.hydra.sweep.dir.startswith(f"multirun/{case.id}/")


# A ranges file: what load_ranges refuses (tests/test_sensitivity.py had these)
REFUSED_RANGES = [
    ("parameters:\n  model.fighters.nonsense: {lo: 0, hi: 1}\n", "model.fighters.nonsense: unknown parameter"),
    ("parameters:\n  model.fighters.resolve_mean: {lo: 0.8, hi: 0.2}\n", "model.fighters.resolve_mean: lo=0.8"),
    ("parameters:\n  model.fighters.resolve_mean: {lo: 0.5, hi: 1.5}\n", "leaves the allowed range [0, 1]"),
    ("parameters:\n  model.fighters.factions: {lo: 2.5, hi: 6}\n", "whole-number bounds"),
    ("parameters:\n  model.terms.besieger_entry: {lo: 0, hi: 1}\n", "not a numeric parameter"),
    ("parameters:\n  model.mediator.impatience: {lo: 0.1, hi: 0.1}\n", "must be below"),
    ("parameters:\n  model.combat.required_force_ratio: {lo: 2, hi: 4, reason: x}\n",
     "sourced (literature), not an assumption"),
    ("parameters:\n  model.fighters.resolve_sd: {lo: 0.1, hi: 0.2, reason: x}\nleft_out:\n  model.fighters.resolve_sd: "
     "why\n", "varied or left out, not both"),
    ("parameters:\n  model.fighters.resolve_mean: {lo: .nan, hi: 0.8}\n", "lo=nan is not allowed: a finite number"),
    ("parameters:\n  model.fighters.resolve_mean: &r {lo: 0.2, hi: 0.8}\n  model.fighters.resolve_sd: *r\n",
     "the anchor or alias 'r' is not allowed"),
    ("- just\n- a list\n", "needs a 'parameters:' mapping"),
]


@pytest.mark.parametrize("text, message", REFUSED_RANGES, ids=range(len(REFUSED_RANGES)))
def test_a_bad_ranges_file_is_refused_with_its_key(tmp_path, text, message):
    path = tmp_path / "ranges.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_ranges(path)
    assert "\n" not in str(info.value) and message in str(info.value)


@pytest.mark.parametrize("extra, message", [
    # 4 levels: a width of 4 puts the grid on 2, 3.33, 4.67, 6, which rounding would bias
    (["hydra.sweeper.ranges={ranges}"], "the nearest that does is [2, 5]"),
    (["hydra.sweeper.ranges={ranges}", "hydra.sweeper.max_batch_size=-1"], "hydra.sweeper.max_batch_size=-1 is not"),
])
def test_a_bad_design_is_refused_before_any_output(tmp_path, extra, message):
    (tmp_path / "ranges.yaml").write_text("parameters:\n  model.fighters.factions: {lo: 2, hi: 6}\n")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        precheck(["+experiment=morris", *[e.format(ranges=tmp_path / "ranges.yaml") for e in extra]])


def test_an_output_folder_is_probed_and_left_as_it_was(tmp_path):
    """The probe makes the folder and its missing parents, writes, and removes all it made."""
    check_output_folder("hydra.run.dir", str(tmp_path / "outputs" / "daraa_2021" / "now"))
    assert os.listdir(tmp_path) == []
    (tmp_path / "kept").mkdir()
    check_output_folder("hydra.sweep.dir", str(tmp_path / "kept"))
    assert os.listdir(tmp_path) == ["kept"] and os.listdir(tmp_path / "kept") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="Permission denied"):
            check_output_folder("hydra.run.dir", str(locked / "run"))
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


def test_a_full_disk_is_refused_and_the_probe_leaves_nothing(tmp_path, monkeypatch):
    """A disk that fills while the probe writes, and one with too little room for a run. (Checked by
    hand on tiny and read-only tmpfs mounts in a private mount namespace, which CI cannot count on.)"""
    import experiments.run as run

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(run.os, "write", no_space)
    with pytest.raises(ConfigError, match="No space left on device"):
        check_output_folder("hydra.run.dir", str(tmp_path / "outputs" / "run"))
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    monkeypatch.setattr(run.shutil, "disk_usage", lambda _: SimpleNamespace(free=MIN_FREE_BYTES // 16))
    with pytest.raises(ConfigError, match=r"at least 16 MB free .*; 1\.0 MB free"):
        check_output_folder("hydra.run.dir", str(tmp_path / "outputs" / "run"))
    assert os.listdir(tmp_path) == []
