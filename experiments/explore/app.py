"""The explorer's Dash app: the levers on the left, each with its meaning as a tooltip and the command
line's own message under it when a value is refused; Run starts a paired comparison (the scenario as
configured against the user's settings, same seeds) with a progress bar; the results show both
columns side by side (outcome shares, district map, story), the paired differences, the fan charts,
the command that reproduces them and the files to download. Served on 127.0.0.1 unless asked."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import abort, send_from_directory

from experiments.explore.jobs import Job, Jobs
from experiments.explore.levers import (
    BY_ID,
    LEVERS,
    MODEL_LEVERS,
    RUN_LEVERS,
    Lever,
    check_lever,
    make_request,
    scenario_values,
    scenarios,
)
from experiments.explore.results import Column, Result
from experiments.reports.framing import FRAMING, WHERE_IT_MISSES

DEFAULT_SCENARIO = "daraa_2021"
DEFAULT_PORT = 8050
DEFAULT_OUT = Path("outputs") / "explore"
POLL_MS = 500
GRAPH_CONFIG = {"displaylogo": False}


def _lever_id(lever: Lever) -> dict[str, str]:
    return {"type": "lever", "lever": lever.id}


def _lever_control(lever: Lever, value: str) -> html.Div:
    """A lever: its label (the tooltip says what it means), the control and the place for its message."""
    unit = f" ({lever.unit})" if lever.unit and lever.unit not in lever.label.lower() else ""
    if lever.choices:
        control: Any = dcc.RadioItems(id=_lever_id(lever), value=value, className="choices",
                                      options=[{"label": words, "value": name} for name, words in lever.choices])
    else:
        control = dcc.Input(id=_lever_id(lever), value=value, type="text", debounce=True, className="typed",
                            placeholder=lever.range_text)
    return html.Div(id=f"lever-{lever.id}", className="lever", title=lever.help, children=[
        html.Label([lever.label + unit, html.Span("?", className="help")], className="lever-label"),
        control,
        html.Div(id={"type": "lever-error", "lever": lever.id}, className="lever-error"),
    ])


def layout() -> html.Div:
    """The page: controls, progress, and the results area filled when a run finishes."""
    values = scenario_values(DEFAULT_SCENARIO)
    return html.Div(className="explorer", children=[
        html.Header([
            html.H1("Siege explorer"),
            html.P(f"{FRAMING} {WHERE_IT_MISSES}", className="framing"),
        ]),
        html.Div(className="body", children=[
            html.Aside(className="controls", children=[
                html.Div(className="lever", title="The siege whose facts set every parameter the levers leave alone; "
                         "the baseline column runs it as configured.", children=[
                    html.Label(["Scenario", html.Span("?", className="help")], className="lever-label"),
                    dcc.Dropdown(id="scenario", value=DEFAULT_SCENARIO, clearable=False,
                                 options=[{"label": name, "value": case_id} for case_id, name in scenarios()]),
                ]),
                html.H2("What if"),
                *[_lever_control(lever, values[lever.id]) for lever in MODEL_LEVERS],
                html.H2("Runs"),
                *[_lever_control(lever, values[lever.id]) for lever in RUN_LEVERS],
                html.Button("Run", id="run", className="run"),
                html.Button("Stop", id="stop", className="stop", disabled=True),
                html.Progress(id="progress", value="0", max="1"),
                html.Div(id="status", className="status"),
            ]),
            html.Main(id="results", className="results", children=[
                html.P("Set the levers and press Run: the scenario as configured runs beside your settings, on "
                       "the same seeds, so every difference shown is paired replicate by replicate.",
                       className="note"),
            ]),
        ]),
        dcc.Store(id="job"),
        dcc.Interval(id="poll", interval=POLL_MS, disabled=True),
    ])


def _graph(figure: Any, graph_id: str | None = None) -> dcc.Graph:
    """A figure at the height its builder gave it (a graph in a grid cell would otherwise take the cell's)."""
    height = figure.layout.height or 420
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG, style={"height": f"{height}px"},
                     **({"id": graph_id} if graph_id else {}))


def _column(column: Column) -> html.Div:
    story = (html.Ol([html.Li([html.B(f"{days}. "), text]) for days, text in column.story], className="story")
             if column.story else html.P("No event was recorded in this replicate.", className="note"))
    return html.Div(className=f"column column-{column.arm}", children=[
        html.H3(column.title),
        html.H4("Outcome probabilities (95% Wilson intervals)"),
        _graph(column.outcomes, f"outcomes-{column.arm}"),
        html.H4(f"The story of replicate {column.replicate}, a typical run ({column.outcome})"),
        story,
    ])


def _district(column: Column) -> html.Div:
    return html.Div([
        html.H3(f"{column.title}: replicate {column.replicate} ({column.outcome})"),
        _graph(column.district, f"district-{column.arm}"),
    ])


def results_view(job: Job, result: Result) -> list[Any]:
    """The results area for a finished job."""
    links = [html.A(name, href=f"/download/{job.id}/{name}", download=name, id=f"download-{name}",
                    className="download") for name in result.downloads]
    return [
        html.Section(className="reproduce", children=[
            html.H2("Reproduce this"),
            html.P("This command runs the same comparison from a terminal and writes the same tables "
                   "(comparison.csv, runs.csv) and the report:"),
            html.Pre(result.command, id="command"),
            html.P(["Download: ", *[item for link in links for item in (link, " ")]]),
        ]),
        html.Section(className="columns", children=[_column(c) for c in result.columns]),
        html.Section(children=[
            html.H2("The district, day by day"),
            html.P("Control, damage and civilians per block in each column's typical run; press Play, or drag the "
                   "slider to a day.", className="note"),
            *[_district(c) for c in result.columns],
        ]),
        html.Section(children=[
            html.H2("Paired differences: your settings minus the baseline"),
            html.P("Each replicate of your settings ran on the seeds of the same replicate of the baseline, so "
                   "chance is shared and a difference comes from the levers; the whiskers are 95% intervals (for a "
                   "share, the Bonett-Price interval for paired proportions; for a mean, a bootstrap over the "
                   "pairs). An interval that excludes zero is a difference these replicates resolve.",
                   className="note"),
            _graph(result.differences, "differences"),
            html.Div(className="grid", children=[_graph(f) for f in result.measures]),
        ]),
        html.Section(children=[
            html.H2("Over time"),
            html.P("The median of each column's replicates and its 10-90% band, day by day.", className="note"),
            html.Div(className="grid", children=[_graph(f) for f in result.fans]),
        ]),
    ]


def create_app(out_dir: Path = DEFAULT_OUT) -> Dash:
    """The explorer, its runs written under `out_dir`."""
    jobs = Jobs(Path(out_dir))
    app = Dash(__name__, title="Siege explorer", update_title=None, serve_locally=True)
    app.layout = layout

    @app.server.route("/download/<job_id>/<name>")
    def download(job_id: str, name: str):
        job = jobs.get(job_id)
        if job is None or job.result is None or name not in job.result.downloads:
            abort(404)
        return send_from_directory(job.folder.resolve(), name, as_attachment=True)

    @app.callback(Output({"type": "lever", "lever": ALL}, "value"), Input("scenario", "value"),
                  prevent_initial_call=True)
    def reset_levers(scenario: str) -> list[str]:
        values = scenario_values(scenario)
        return [values[lever.id] for lever in LEVERS]

    @app.callback(Output({"type": "lever-error", "lever": MATCH}, "children"),
                  Input({"type": "lever", "lever": MATCH}, "value"), State("scenario", "value"),
                  prevent_initial_call=True)
    def check_one(value: Any, scenario: str) -> str:
        lever = BY_ID[ctx.triggered_id["lever"]]
        return check_lever(scenario, lever, value) or ""

    @app.callback(Output("stop", "disabled"), Input("run", "disabled"))
    def stop_only_while_running(run_disabled: bool) -> bool:
        return not run_disabled

    @app.callback(Output("status", "children", allow_duplicate=True), Input("stop", "n_clicks"), State("job", "data"),
                  prevent_initial_call=True)
    def stop(_clicks: int, job_id: str | None) -> str:
        jobs.cancel(job_id)
        return "stopping at the next finished block of replicates"

    @app.callback(Output("job", "data"), Output("poll", "disabled"), Output("run", "disabled"),
                  Output("status", "children"),
                  Output({"type": "lever-error", "lever": ALL}, "children", allow_duplicate=True),
                  Input("run", "n_clicks"), State("scenario", "value"),
                  State({"type": "lever", "lever": ALL}, "value"), prevent_initial_call=True)
    def start(_clicks: int, scenario: str, values: list[Any]):
        typed = {lever.id: value for lever, value in zip(LEVERS, values)}
        errors = [check_lever(scenario, lever, typed[lever.id]) or "" for lever in LEVERS]
        if any(errors):
            return no_update, True, False, "Fix the values marked in red, then run.", errors
        job = jobs.start(make_request(scenario, typed))
        return job.id, False, True, job.status, errors

    @app.callback(Output("progress", "value"), Output("progress", "max"), Output("status", "children",
                                                                                  allow_duplicate=True),
                  Output("results", "children"), Output("poll", "disabled", allow_duplicate=True),
                  Output("run", "disabled", allow_duplicate=True),
                  Input("poll", "n_intervals"), State("job", "data"), prevent_initial_call=True)
    def poll(_n: int, job_id: str | None):
        job = jobs.get(job_id)
        if job is None:
            return no_update, no_update, "", no_update, True, False
        if job.state in ("waiting", "running"):
            return str(job.done), str(job.total), job.status, no_update, False, True
        if job.state == "failed":
            failed = html.P(job.status, className="lever-error", id="run-error")
            return str(job.done), str(job.total), job.status, [failed], True, False
        return str(job.total), str(job.total), job.status, results_view(job, job.result), True, False

    return app


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str] | None = None) -> None:
    """`siege-explore [--port N] [--host H] [--out DIR]`: serve the explorer until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="siege-explore", description=(
        "Serve the siege explorer in a browser: set the levers in words, run the scenario as configured beside "
        "your settings on the same seeds, and read the outcome probabilities, paired differences, fan charts, "
        "a typical run's story and map, and the siege-run command that reproduces them."))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to serve on (default 127.0.0.1, this machine only; anything else exposes "
                             "the explorer, which runs simulations on request, to the network)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the runs' tables and reports (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port={args.port} is not allowed: 1 to 65535")
    if not _loopback(args.host):
        print(f"warning: serving on {args.host}: anyone who can reach it can run simulations here", file=sys.stderr)
    print(f"Siege explorer: http://{args.host}:{args.port}/  (Ctrl-C stops it; runs are written under {args.out})",
          flush=True)
    create_app(args.out).run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()

