"""A page opened in real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium),
and what a user would notice: console errors, requests that leave the machine, figures that did not
draw. `.ci/run` installs the browser when it is missing and sets SIEGE_REQUIRE_BROWSER=1, so there a
missing browser fails the suite; elsewhere the browser checks are skipped with the reason."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class PageCheck:
    """What a page did on load: console errors, requests for anything not on this machine, and how
    many Plotly figures it holds and drew."""

    errors: list[str] = field(default_factory=list)
    remote_requests: list[str] = field(default_factory=list)
    figures: int = 0
    drawn: int = 0


def start_browser(width: int = 1400, height: int = 1000):
    """Headless Chromium with the console and network logs on; skipped (or failed, under CI) when the
    browser or Selenium is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _missing("Chromium is not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _missing(reason: str) -> None:
    if os.environ.get("SIEGE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (SIEGE_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: a file, inline data, or the loopback interface."""
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname in LOCAL_HOSTS


def drain_logs(driver) -> None:
    """Forget what earlier pages logged."""
    driver.get_log("browser")
    driver.get_log("performance")


def check_loaded(driver, min_figures: int = 0, settle_seconds: float = 0.5, timeout: float = 30.0) -> PageCheck:
    """The current page's console errors, remote requests and figures, once the document has loaded
    and at least `min_figures` Plotly figures exist and all have drawn (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    script = ("const divs = Array.from(document.querySelectorAll('.plotly-graph-div, .dash-graph'));"
              "return [document.readyState, divs.length, divs.filter(d => d.querySelector('.main-svg')).length]")
    state, figures, drawn = driver.execute_script(script)
    while (state != "complete" or figures < min_figures or drawn < figures) and time.monotonic() < deadline:
        time.sleep(0.2)
        state, figures, drawn = driver.execute_script(script)
    time.sleep(settle_seconds)
    check = PageCheck(figures=figures, drawn=drawn)
    check.errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not is_local(url):
                check.remote_requests.append(url)
    return check


def open_page(driver, path: Path, min_figures: int = 0) -> PageCheck:
    """Open a report file as a user would (file://) and check it."""
    drain_logs(driver)
    driver.get(Path(path).resolve().as_uri())
    return check_loaded(driver, min_figures)


def assert_clean_page(driver, path: Path, min_figures: int = 1) -> PageCheck:
    """The page loads with no console error, asks nothing of another machine, and draws every figure."""
    check = open_page(driver, path, min_figures)
    assert check.errors == [], check.errors
    assert check.remote_requests == [], check.remote_requests
    assert check.figures >= min_figures, f"{check.figures} figures at {driver.current_url}: {driver.title!r}"
    assert check.drawn == check.figures, f"{check.drawn} of {check.figures} figures drawn"
    return check
