"""The browser checks every report test relies on can fail: a page that asks another machine for a
script and logs an error is caught on both counts, and a clean page passes."""

from __future__ import annotations

from helpers.browser import is_local, open_page


def test_a_remote_request_and_a_console_error_are_caught(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html><head><script src="https://cdn.example.org/plotly.min.js"></script>'
                    '</head><body><script>console.error("boom")</script></body></html>', encoding="utf-8")
    check = open_page(browser, page)
    assert "https://cdn.example.org/plotly.min.js" in check.remote_requests
    assert any("boom" in e for e in check.errors)


def test_a_local_page_passes(tmp_path, browser):
    page = tmp_path / "good.html"
    page.write_text("<!doctype html><html><body><p>fine</p></body></html>", encoding="utf-8")
    check = open_page(browser, page)
    assert check.remote_requests == [] and check.errors == [] and check.figures == 0


def test_what_counts_as_staying_on_the_machine():
    assert is_local("file:///tmp/report.html") and is_local("data:image/png;base64,AAAA")
    assert is_local("http://127.0.0.1:8050/_dash-layout") and is_local("http://localhost:8050/")
    assert not is_local("https://cdn.plot.ly/plotly-2.35.2.min.js") and not is_local("http://10.0.0.5/")
