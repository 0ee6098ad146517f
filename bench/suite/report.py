"""The run's result: one Markdown report for the terminal, the same facts as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from pathlib import Path

from suite.exporting import ExportResult
from suite.flood import FloodResult
from suite.hashing import HashingFloor
from suite.logscan import LogScan
from suite.profile import Profile
from suite.scenarios import ME_UNDER_FLOOD
from suite.wrk import Measurement

FLOOR = "floor: bare Flask JSON"
CEILING = "ceiling: floor + token check + Redis round trip"
ME = "GET /me"
SIGN_INS = {"login": "POST /auth/login", "register": "POST /auth/register"}
"""The hashing-bound workloads, each measured between two hashing floors."""


@dataclass
class Report:
    setup: dict[str, str]
    seeding: dict[str, float]
    hashing: HashingFloor | None = None
    hashing_around: dict[str, list[HashingFloor]] = field(default_factory=dict)
    """The hashing floor measured just before and just after each sign-in workload."""
    floor: list[Measurement] = field(default_factory=list)
    ceiling: list[Measurement] = field(default_factory=list)
    stack: list[Measurement] = field(default_factory=list)
    flood: FloodResult | None = None
    export: ExportResult | None = None
    profiles: list[Profile] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)
    logs: LogScan | None = None
    wall_seconds: float = 0.0

    def ratios(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for c, rounds in self.rounds().items():
            found[f"GET /me rps / floor rps ({c} conns)"] = _mean_ratio(rounds, "rps", 2, 0)
            found[f"GET /me p99 / floor p99 ({c} conns)"] = _mean_ratio(rounds, "p99_ms", 2, 0, 2)
            found[f"ceiling rps / floor rps ({c} conns)"] = _mean_ratio(rounds, "rps", 1, 0)
            found[f"GET /me rps / ceiling rps ({c} conns)"] = _mean_ratio(rounds, "rps", 2, 1)
        for name, workload in SIGN_INS.items():
            floor = self.sign_in_floor(name)
            for row in self.stack:
                if row.workload != workload or not floor:
                    continue
                steady = row.steady_ok_rps if row.steady_ok_rps is not None else row.ok_rps
                label = f"{name} ok/s / hashing floor ({row.connections} conns)"
                found[label] = round(steady / floor, 3)
                found[f"{label}, wrk's count"] = round(row.ok_rps / floor, 3)
        if self.export is not None:
            found["export worker peak RSS growth, MB (100k events vs empty)"] = (
                self.export.rss_growth_mb
            )
        flooded = self.find(ME_UNDER_FLOOD)
        quiet = [
            row.p99_ms
            for row in self.stack
            if flooded and row.workload == ME and row.connections == flooded.connections
        ]
        if flooded is not None and quiet:  # against the mean of the unloaded runs
            found["GET /me p99 under login flood / unloaded (16 conns)"] = round(
                flooded.p99_ms / statistics.fmean(quiet), 1
            )
        return found

    def sign_in_floor(self, name: str) -> float | None:
        """The mean of the floors measured just before and after the workload's runs: a
        shared VM's speed drifts within a minute, so the floor from the start (the idle
        one, which sets the flood's rate) can be a tenth off by the time they run."""
        around = self.hashing_around.get(name) or ([self.hashing] if self.hashing else [])
        if not around:
            return None
        return statistics.fmean(floor.verifies_per_second for floor in around)

    def rounds(self) -> dict[int, list[Round]]:
        """Each floor run with the ceiling and ``GET /me`` runs of its round, by
        connections; the ratios are the mean of the rounds' ratios."""
        mes = [row for row in self.stack if row.workload == ME]
        found: dict[int, list[Round]] = {}
        for run in zip(self.floor, self.ceiling, mes, strict=True):
            if len({row.connections for row in run}) != 1:
                raise ValueError(f"a round mixes connection counts: {run}")
            found.setdefault(run[0].connections, []).append(run)
        return found

    def find(self, workload: str, connections: int | None = None) -> Measurement | None:
        for row in self.stack:
            if row.workload == workload and connections in (None, row.connections):
                return row
        return None


Round = tuple[Measurement, Measurement, Measurement]
"""The floor, the ceiling and ``GET /me``, run back to back."""


def _mean_ratio(rounds: list[Round], metric: str, top: int, bottom: int, digits: int = 3) -> float:
    """The mean over the rounds of ``metric`` of run ``top`` over run ``bottom``."""
    return round(
        statistics.fmean(
            getattr(run[top], metric) / getattr(run[bottom], metric) for run in rounds
        ),
        digits,
    )


def markdown(report: Report) -> str:
    lines = ["## Bastion stack benchmark", ""]
    lines += [f"- **{key}**: {value}" for key, value in report.setup.items()]
    lines += [f"- **seeding**: {', '.join(f'{k} {v:.1f} s' for k, v in report.seeding.items())}"]
    if report.hashing:
        h = report.hashing
        lines += [
            f"- **hashing floor**: {h.verifies_per_second} bcrypt verifies/s at cost {h.rounds} "
            f"on {h.processes} processes ({h.ms_per_verify_one_core} ms each on one core; other "
            f"CPU {h.other_cpu_pct} %)"
        ]
    for name, floors in report.hashing_around.items():
        around = " and ".join(f"{h.verifies_per_second}" for h in floors)
        lines += [
            f"- **hashing floor around the {name} runs**: {around} verifies/s (their mean is "
            f"the {name} ratios' floor)"
        ]
    lines += [
        "",
        "| workload | conns | conns per worker | req/s | p50 ms | p99 ms | non-2xx "
        "| socket errors | other CPU % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [_row(m) for m in [*report.floor, *report.ceiling, *report.stack]]
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in report.ratios().items()]
    lines += _flood(report.flood)
    lines += _export(report.export)
    for profile in report.profiles:
        lines += _profile(profile)
    lines += ["", f"Delivered to the sinks by the worker: {report.delivered}."]
    if report.logs:
        lines += [
            f"API responses logged, by status: {report.logs.api_statuses}; lines at "
            f"WARNING or above (or tracebacks) per log: {report.logs.problems or 'none'}."
        ]
        lines += [f"    {sample}" for sample in report.logs.samples]
    lines += [f"Total wall time: {report.wall_seconds:.0f} s."]
    return "\n".join(lines)


def write_json(report: Report, path: Path) -> None:
    payload = {**asdict(report), "ratios": report.ratios()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")


def _row(m: Measurement) -> str:
    others = ", ".join(f"{s}: {n}" for s, n in m.statuses.items() if not s.startswith("2"))
    non_2xx = f"{m.non_2xx} ({others})" if m.non_2xx else "0"
    rps = f"{m.rps:,.1f}"
    if m.steady_ok_rps is not None:
        rps += f" ({m.ok_rps:.2f} ok; {m.steady_ok_rps:.2f} ok steady)"
    return (
        f"| {m.workload} | {m.connections} | {'/'.join(map(str, m.spread))} | {rps} | "
        f"{m.p50_ms} | {m.p99_ms} | "
        f"{non_2xx} | {m.socket_errors} | {m.other_cpu_pct} |"
    )


def _flood(flood: FloodResult | None) -> list[str]:
    if flood is None:
        return []
    return [
        "",
        f"**Login flood** (open loop, one connection per login, target {flood.target_rps}/s = "
        f"3x the hashing floor; sent {flood.sent} at {flood.sent_rps}/s, p99 send lateness "
        f"{flood.late_p99_ms} ms): statuses {flood.statuses} (0 = no HTTP answer); "
        f"with Retry-After: {flood.with_retry_after or 'none'}; login latency p50 "
        f"{flood.p50_ms} ms, p99 {flood.p99_ms} ms.",
    ]


def _export(export: ExportResult | None) -> list[str]:
    if export is None:
        return []
    return [
        "",
        f"**Export** of {export.events:,} events by the RQ worker: {export.full.seconds} s "
        f"from request to complete, {export.full.size_mb} MB ZIP; work-horse peak RSS "
        f"{export.full.horse_peak_rss_mb} MB against {export.empty.horse_peak_rss_mb} MB for "
        f"an almost empty export ({export.empty.seconds} s): growth {export.rss_growth_mb} MB.",
    ]


def _cell(entry: tuple[str, float] | None) -> str:
    return f"{entry[1]} | `{entry[0]}`" if entry else " | "


def _activity(profile: Profile) -> str:
    if profile.mode == "gil":
        return f"GIL held {profile.active_pct} % of one process's time, summed over the workers"
    return f"on average {profile.active_pct / 100:.1f} threads busy, summed over the workers"


def _profile(profile: Profile) -> list[str]:
    title = {"gil": "holding the GIL (CPU)", "busy": "all busy threads (waits included)"}
    lines = [
        "",
        f"**API workers under GET /me, 16 conns — {title[profile.mode]}** (py-spy, "
        f"{profile.samples} samples; {_activity(profile)})",
        "",
        "| self % | function | | inclusive % | project function |",
        "|---:|---|---|---:|---|",
    ]
    pairs = zip_longest(profile.self_time, profile.project_inclusive)
    lines += [f"| {_cell(own)} | | {_cell(mine)} |" for own, mine in pairs]
    return lines
