"""The live explorer (`siege-explore`) as a user drives it in headless Chromium: it loads from the
loopback interface with no console error and asks nothing of another machine; a bad value shows the
command line's own message next to its control; changing levers and pressing Run updates the outcome
chart; the command it shows reproduces the table it offers for download. And its levers' logic alone."""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.common.keys import Keys
from werkzeug.serving import make_server

from experiments.config.schema import ConfigError
from experiments.explore.app import create_app, main
from experiments.explore.levers import BY_ID, LEVERS, check_lever, make_request, scenario_values
from experiments.run import precheck
from helpers.browser import check_loaded, drain_logs

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 240


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """The explorer served from this process on a free loopback port, its runs under a scratch folder."""
    out = tmp_path_factory.mktemp("explore")
    server = make_server("127.0.0.1", 0, create_app(out).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", out
    server.shutdown()


@pytest.fixture(scope="module")
def page(explorer, browser):
    url, _ = explorer
    drain_logs(browser)
    browser.get(url)
    check = check_loaded(browser)
    wait_for(browser, lambda: browser.find_elements("id", "run"))
    return browser, check


def wait_for(driver, condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s")


def typed(driver, lever: str, text: str) -> None:
    """Replace a typed lever's value as a user does: select it all, type, leave the box."""
    box = driver.find_element("css selector", f"#lever-{lever} input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text or Keys.DELETE)
    box.send_keys(Keys.TAB)


def test_the_page_loads_with_no_error_and_nothing_from_another_machine(page):
    driver, check = page
    assert check.errors == [] and check.remote_requests == []
    labels = {e.text for e in driver.find_elements("css selector", ".lever-label")}
    for lever in LEVERS:
        box = driver.find_element("id", f"lever-{lever.id}")
        assert lever.key in box.get_attribute("title")          # the tooltip names the command-line key
        assert "." not in lever.key or not any(lever.key in label for label in labels)  # in words
    assert "not a forecast of any real siege" in driver.find_element("css selector", ".framing").text


def test_a_bad_value_shows_the_command_lines_own_message(page):
    driver, _ = page
    with pytest.raises(ConfigError) as refused:
        precheck(["scenario=daraa_2021", "model.implementation.buses_per_convoy=abc"])
    typed(driver, "buses", "abc")
    message = lambda: driver.find_element("css selector", "#lever-buses .lever-error").text  # noqa: E731
    wait_for(driver, lambda: message() == f"error: {refused.value}")
    typed(driver, "buses", "2")
    wait_for(driver, lambda: driver.find_element("css selector", "#lever-buses .lever-error").text == "")


def test_running_updates_the_outcome_chart_and_the_command_reproduces_the_table(page, explorer, tmp_path):
    """Granted air cover with no external constraint moves most runs from a partial to a full
    evacuation (README, paired comparisons: 92% at 300 replicates); 30 replicates show it plainly."""
    driver, _ = page
    url, _ = explorer
    driver.find_element("css selector", "#lever-air_cover input[value=GRANTED]").click()
    driver.find_element("css selector", "#lever-external_constraint input[value=NONE]").click()
    typed(driver, "replicates", "30")
    wait_for(driver, lambda: driver.find_element("css selector", "#lever-replicates .lever-error").text == "")
    driver.find_element("id", "run").click()
    wait_for(driver, lambda: driver.find_elements("id", "command"), timeout=RUN_TIMEOUT)
    check = check_loaded(driver, min_figures=10)
    assert check.errors == [] and check.remote_requests == [] and check.drawn == check.figures

    def shares(arm: str) -> dict[str, float]:
        data = driver.execute_script(f"return document.querySelector('#outcomes-{arm} .js-plotly-plot')"
                                     "._fullData.map(t => [Array.from(t.x), Array.from(t.y)])")
        (xs, ys), = data
        return dict(zip(xs, ys))

    assert shares("baseline") == {"negotiated partial evacuation": 1.0}
    assert shares("your_settings").get("full evacuation", 0.0) > 0.5

    command = driver.find_element("id", "command").text
    args = shlex.split(command)
    assert args[0] == "siege-run"
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *args[1:], "workers=2", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    link = driver.find_element("id", "download-comparison.csv").get_attribute("href")
    assert link.startswith(url)
    with urllib.request.urlopen(link) as response:
        offered = response.read().decode()
    assert offered == (out / "comparison.csv").read_text()
    assert len(pd.read_csv(out / "comparison.csv")) > 0


def test_only_the_runs_own_files_can_be_downloaded(explorer):
    """An unknown run or file is not found; a path that climbs out of a run's folder reaches no file
    (Dash answers any other path with its page)."""
    url, _ = explorer
    for path in ("download/nojob/comparison.csv", "download/nojob/report.html"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + path)
        assert refused.value.code == 404
    with urllib.request.urlopen(url + "download/x/..%2F..%2F..%2Fetc%2Fpasswd") as response:
        assert "root:" not in response.read().decode(errors="replace")


def test_levers_read_the_scenario_and_only_changes_become_the_arm():
    values = scenario_values("daraa_2021")
    assert values["air_cover"] == "WITHHELD" and values["expulsion"] == "0.25" and values["trust"] == "LOW"
    assert scenario_values("east_aleppo_2016")["deal_template"] == "FULL_EXIT"
    request = make_request("daraa_2021", {**values, "convoys": "2", "air_cover": "GRANTED"})
    assert request.changes == {"case.air_cover": "GRANTED"}        # 2 is the configured 2.0
    unchanged = make_request("daraa_2021", values)
    assert unchanged.changes == {"case.air_cover": "WITHHELD"}     # the arm restates the baseline
    precheck(request.overrides())                                  # the command line takes it as it is


@pytest.mark.parametrize("lever, value, expected", [
    ("expulsion", "1.5", "expulsion_fraction=1.5 is not allowed"),
    ("civilians", "-3", "is not allowed"),
    ("replicates", "0", "replicates=0 is not allowed"),
    ("expulsion", "0.2,0.3", "letters, digits and . _ + - only"),
    ("seed", "", "seed is empty"),
])
def test_a_refused_value_is_one_line_beginning_like_the_command_lines(lever, value, expected):
    message = check_lever("daraa_2021", BY_ID[lever], value)
    assert message is not None and message.startswith("error: ") and expected in message and "\n" not in message
    assert check_lever("daraa_2021", BY_ID[lever], scenario_values("daraa_2021")[lever]) is None


def test_the_server_listens_on_the_loopback_unless_told_and_refuses_a_bad_port(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--port", "0"])
    assert refused.value.code == 2 and "--port=0 is not allowed" in capsys.readouterr().err
    help_text = subprocess.run([sys.executable, "-m", "experiments.explore.app", "--help"], capture_output=True,
                               text=True, cwd=ROOT).stdout
    assert "default 127.0.0.1" in help_text
