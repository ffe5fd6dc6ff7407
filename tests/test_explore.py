"""The live explorer (`siege-explore`) as a user drives it in headless Chromium: it loads from the
loopback interface with no console error and asks nothing of another machine; a bad value shows the
command line's own message next to its control; changing levers and pressing Run updates the outcome
chart; the command it shows reproduces the table it offers for download. And its levers' logic alone."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import psutil
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


def wait_for(driver, condition, timeout: float = 30.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    status = driver.find_elements("id", "status")
    raise AssertionError(f"timed out after {timeout} s waiting for {what or 'the page'}; the page's status line: "
                         f"{status[0].text if status else '(none)'!r}")


def typed(driver, lever: str, text: str) -> None:
    """Replace a typed lever's value as a user does: select it all, type, leave the box."""
    box = driver.find_element("css selector", f"#lever-{lever} input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text or Keys.DELETE)
    box.send_keys(Keys.TAB)


def error_under(driver, lever: str) -> str:
    return driver.find_element("css selector", f"#lever-{lever} .lever-error").text


@pytest.fixture(scope="module")
def finished_run(page):
    """Granted air cover with no external constraint, 30 replicates, run from the page."""
    driver, _ = page
    driver.find_element("css selector", "#lever-air_cover input[value=GRANTED]").click()
    driver.find_element("css selector", "#lever-external_constraint input[value=NONE]").click()
    typed(driver, "replicates", "30")
    driver.find_element("id", "run").click()
    wait_for(driver, lambda: driver.find_elements("id", "command"), timeout=RUN_TIMEOUT, what="the run's results")
    return driver


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
    wait_for(driver, lambda: error_under(driver, "buses") == f"error: {refused.value}", what="the message")
    typed(driver, "buses", "2")
    wait_for(driver, lambda: error_under(driver, "buses") == "", what="the message to clear")


def test_running_updates_the_outcome_chart(finished_run):
    """Granted air cover with no external constraint moves most runs from a partial to a full
    evacuation (README, paired comparisons: 92% at 300 replicates); 30 replicates show it plainly."""
    driver = finished_run
    check = check_loaded(driver, min_figures=10)
    assert check.errors == [] and check.remote_requests == [] and check.drawn == check.figures

    def shares(arm: str) -> dict[str, float]:
        data = driver.execute_script(f"return document.querySelector('#outcomes-{arm} .js-plotly-plot')"
                                     "._fullData.map(t => [Array.from(t.x), Array.from(t.y)])")
        (xs, ys), = data
        return dict(zip(xs, ys))

    assert shares("baseline") == {"negotiated partial evacuation": 1.0}
    assert shares("your_settings").get("full evacuation", 0.0) > 0.5
    title = driver.find_element("css selector", ".column-your_settings h3").text
    assert "air cover GRANTED" in title and "external constraint on the mediator NONE" in title


def test_the_shown_command_reproduces_the_tables_offered(finished_run, explorer, tmp_path):
    """The command as shown (only the output folder added), run from a terminal, writes the same
    comparison.csv and runs.csv the page offers for download, byte for byte."""
    driver = finished_run
    url, _ = explorer
    args = shlex.split(driver.find_element("id", "command").text)
    assert args[0] == "siege-run"
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *args[1:], f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("comparison.csv", "runs.csv"):
        link = driver.find_element("id", f"download-{name}").get_attribute("href")
        assert link.startswith(url)
        with urllib.request.urlopen(link) as response:
            assert response.read().decode() == (out / name).read_text(), name
    assert len(pd.read_csv(out / "runs.csv")) == 2 * 30


def test_only_the_runs_own_offered_files_can_be_downloaded(finished_run, explorer):
    """A real run's files beyond those offered, an unknown run and a path out of the folder: not found."""
    driver = finished_run
    url, _ = explorer
    link = driver.find_element("id", "download-comparison.csv").get_attribute("href")
    job = link.split("/download/")[1].split("/")[0]
    for path in (f"download/{job}/metadata.json", f"download/{job}/arms", "download/nojob/comparison.csv"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + path)
        assert refused.value.code == 404, path
    with urllib.request.urlopen(url + f"download/{job}/..%2Fmetadata.json") as response:  # Dash's page, no file
        assert "root_seed" not in response.read().decode(errors="replace")


def test_a_long_run_can_be_stopped_from_the_page(page, finished_run):
    """Stop ends a run at the next finished block of replicates, says how far it got and clears the
    results, and Run is offered again."""
    driver, _ = page
    typed(driver, "replicates", "20000")
    driver.find_element("id", "run").click()
    stop = driver.find_element("id", "stop")
    wait_for(driver, lambda: stop.is_enabled(), what="Stop to be offered")
    wait_for(driver, lambda: "20,000 replicates" in driver.find_element("id", "status").text
             or "40,000" in driver.find_element("id", "status").text, what="the run to start")
    stop.click()
    wait_for(driver, lambda: "stopped after" in driver.find_element("id", "status").text, timeout=120,
             what="the run to stop")
    assert "of 40,000 replicates" in driver.find_element("id", "status").text
    assert not driver.find_elements("id", "command"), "a stopped run leaves no results on the page"
    wait_for(driver, lambda: driver.find_element("id", "run").is_enabled() and not stop.is_enabled(),
             what="Run to be offered again")


def test_choosing_another_scenario_sets_every_lever_to_its_values(page, finished_run):
    """After the run (this test changes the page's scenario): picking East Aleppo in the menu resets
    the levers to that case as configured (every fighter leaves, its own buses)."""
    driver, _ = page
    driver.find_element("id", "scenario").click()
    wait_for(driver, lambda: [o for o in driver.find_elements("css selector", "[role=option]") if "Aleppo" in o.text],
             what="the scenario menu")[0].click()
    aleppo = scenario_values("east_aleppo_2016")

    def shown(lever: str) -> str | None:
        box = driver.find_elements("css selector", f"#lever-{lever} input:checked") or driver.find_elements(
            "css selector", f"#lever-{lever} input")
        return box[0].get_attribute("value") if box else None

    wait_for(driver, lambda: all(shown(lever.id) == aleppo[lever.id] for lever in LEVERS), what="the levers")
    assert aleppo["deal_template"] == "FULL_EXIT" and aleppo["buses"] != scenario_values("daraa_2021")["buses"]


def test_a_forged_choice_cannot_reach_the_command():
    """A choice lever takes only its names: a value posted by hand, with an interpolation or an extra
    key, is refused before any command is built."""
    for forged in ("${oc.env:HOME}", "NAMED_LIST,model.mediator.present:false"):
        assert check_lever("daraa_2021", BY_ID["deal_template"], forged).startswith("error: case.deal_template=")
        with pytest.raises(ConfigError):
            make_request("daraa_2021", {"deal_template": forged})
    with pytest.raises(ConfigError):
        make_request("daraa_2021", {"expulsion": "0.2}"})


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


def test_the_server_listens_on_the_loopback_only_unless_told_and_refuses_a_bad_port(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--port", "0"])
    assert refused.value.code == 2 and "--port=0 is not allowed" in capsys.readouterr().err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "experiments.explore", "--port", str(port), "--out",
                               str(ROOT / "outputs" / "explore")], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout.readline().startswith(f"Siege explorer: http://127.0.0.1:{port}/")
        listening: list = []
        deadline = time.monotonic() + 30
        while not listening and time.monotonic() < deadline:
            time.sleep(0.3)
            listening = [c.laddr for c in psutil.Process(server.pid).net_connections(kind="tcp")
                         if c.status == psutil.CONN_LISTEN]
        assert listening and all(addr.ip == "127.0.0.1" and addr.port == port for addr in listening), listening
    finally:
        server.terminate()
        server.wait(timeout=30)
