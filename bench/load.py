"""Load benchmark: simulated clerks speaking Streamlit's own websocket protocol; prints JSON.

    python -m bench.load --url http://127.0.0.1:8501 --users 20 --duration 120 [--think 2-3]
                         [--username clerk --password cessio-demo-2026] [--server-pid PID]

Each simulated clerk does what a browser does: opens the websocket ``/_stcore/stream``, asks for a
script run (``BackMsg.rerun_script`` with its widget states), reads the ``ForwardMsg`` stream until
``script_finished``, and keeps the widget ids the server sent, as the browser does. It signs in
through the sign-in form (a clerk has no second factor), then repeats, with a think time between
actions: a search by a debtor-name fragment, the next page of results, opening a case card, and
back to the search. The time of an action is from sending the rerun to the end of the run that
answers it (after an ``st.rerun`` or a page switch, the run that follows), which is what a person
waits for before the screen settles; a browser adds its own rendering (~70 ms).

Widgets are found by their keys (Streamlit puts a widget's key at the end of its id), never by
their labels, so the benchmark works in every interface language. ``--server-pid`` (or the
process listening on the port, found through /proc) gives the server's CPU seconds per action.
Measure with the app started as documented (``make run`` or ``scripts/run-cluster.sh``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

NAME_FRAGMENTS = ("иванов", "петров", "смирнова", "кузнецов", "попова", "соколов", "алекс", "сергеевна", "ов")
_DONE = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


@dataclass
class Widget:
    id: str
    kind: str
    form_id: str = ""
    disabled: bool = False


@dataclass
class Clerk:
    """One browser tab: its websocket, the widgets of the last run and the states it sends."""

    url: str
    ws: websockets.ClientConnection | None = None
    widgets: dict[str, Widget] = field(default_factory=dict)
    values: dict[str, tuple[str, object]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    page_hash: str = ""
    auto_reruns: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    async def open(self) -> None:
        parsed = urlparse(self.url)
        ws_url = f"ws://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=64 * 2**20)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def widget(self, key: str) -> Widget | None:
        """The widget whose key is ``key`` (ids end with ``-<key>``), or a key pattern's first match."""
        exact = self.widgets.get(key)
        if exact is not None:
            return exact
        pattern = re.compile(key)
        return next((w for k, w in self.widgets.items() if pattern.fullmatch(k)), None)

    def set_text(self, key: str, value: str) -> bool:
        w = self.widget(key)
        if w is None:
            return False
        self.values[w.id] = ("string_value", value)
        return True

    async def run(
        self, query: str = "", page_hash: str | None = None, trigger: Widget | None = None, fragment_id: str = ""
    ) -> float:
        """One script run as the browser asks for it; returns the seconds until the screen settles."""
        assert self.ws is not None
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = query
        rerun.page_script_hash = page_hash if page_hash is not None else self.page_hash
        if fragment_id:
            rerun.fragment_id = fragment_id
            rerun.is_auto_rerun = True
        for wid, (kind, value) in self.values.items():
            state = rerun.widget_states.widgets.add()
            state.id = wid
            setattr(state, kind, value)
        if trigger is not None:
            state = rerun.widget_states.widgets.add()
            state.id = trigger.id
            state.trigger_value = True
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        if not fragment_id:
            self.widgets = {}
        await self._read_until_settled()
        return time.perf_counter() - started

    async def _read_until_settled(self) -> None:
        assert self.ws is not None
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=120)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._note_element(fwd.delta.new_element)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "page_info_changed" or kind == "new_session":
                if kind == "new_session":
                    self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            elif kind == "auto_rerun":
                self.auto_reruns[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "page_not_found":
                self.errors.append("page not found")
            elif kind == "script_finished":
                if fwd.script_finished in _DONE:
                    return
                if fwd.script_finished == ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR:
                    self.errors.append("script compile error")
                    return
                self.widgets = {}  # FINISHED_EARLY_FOR_RERUN: the next run follows

    def _note_element(self, element: object) -> None:
        kind = element.WhichOneof("type")  # type: ignore[attr-defined]
        if kind == "exception":
            exc = element.exception  # type: ignore[attr-defined]
            self.errors.append(f"{exc.type}: {exc.message[:200]}")
            return
        if kind is None:
            return
        body = getattr(element, kind)
        wid = getattr(body, "id", "") if hasattr(body, "id") else ""
        if not wid:
            return
        key = wid.rsplit("-", 1)[-1] if "-" in wid else wid
        self.widgets[key] = Widget(
            id=wid,
            kind=kind,
            form_id=getattr(body, "form_id", ""),
            disabled=bool(getattr(body, "disabled", False)),
        )

    def form_submit(self, form_id: str) -> Widget | None:
        """The first submit button of a form (the primary action, e.g. Search)."""
        return next((w for w in self.widgets.values() if w.kind == "button" and w.form_id == form_id), None)


@dataclass
class Results:
    signed_in: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)

    def record(self, action: str, seconds: float, clerk: Clerk) -> None:
        self.times[action].append(seconds)
        if clerk.errors:
            self.errors[action] += 1
            self.error_samples.extend(clerk.errors[:2])
            clerk.errors.clear()


async def _sign_in(clerk: Clerk, username: str, password: str, results: Results) -> bool:
    results.record("open app", await clerk.run(), clerk)
    if not (clerk.set_text("login_username", username) and clerk.set_text("login_password", password)):
        results.errors["sign in"] += 1
        results.error_samples.append("sign-in form not found")
        return False
    submit = clerk.form_submit("login")
    results.record("sign in", await clerk.run(trigger=submit), clerk)
    clerk.values.clear()
    signed_in = "search.next" in clerk.widgets or any(k.startswith("search") for k in clerk.widgets)
    if not signed_in:
        results.errors["sign in"] += 1
        results.error_samples.append("still on the sign-in screen after signing in")
    return signed_in


async def _clerk_loop(n: int, args: argparse.Namespace, results: Results, stop_at: float, rng: random.Random) -> None:
    clerk = Clerk(args.url)
    await asyncio.sleep(rng.uniform(0, args.ramp))
    try:
        await clerk.open()
        if not await _sign_in(clerk, args.username, args.password, results):
            return
        results.signed_in += 1
        search_hash = clerk.page_hash
        if args.idle:
            await _stay_idle(clerk, results, stop_at)
            return
        while time.monotonic() < stop_at:
            await asyncio.sleep(rng.uniform(args.think_min, args.think_max))
            clerk.set_text(r"search\.f\.debtor_name|.*debtor_name", rng.choice(NAME_FRAGMENTS))
            submit = clerk.form_submit("search_filters")
            results.record("search", await clerk.run(trigger=submit), clerk)
            await asyncio.sleep(rng.uniform(args.think_min, args.think_max))
            nxt = clerk.widget("search.next")
            if nxt is not None and not nxt.disabled:
                results.record("next page", await clerk.run(trigger=nxt), clerk)
                await asyncio.sleep(rng.uniform(args.think_min, args.think_max))
            case_hash = clerk.pages.get("case")
            if case_hash:
                number = f"C-{rng.randint(1, args.cases):06d}"
                results.record("open a case", await clerk.run(query=f"case={number}", page_hash=case_hash), clerk)
                await asyncio.sleep(rng.uniform(args.think_min, args.think_max))
                results.record("back to search", await clerk.run(page_hash=search_hash), clerk)
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        results.errors["connection"] += 1
        results.error_samples.append(f"clerk {n}: {type(exc).__name__}: {exc}")
    finally:
        await clerk.close()


async def _stay_idle(clerk: Clerk, results: Results, stop_at: float) -> None:
    """A tab left open: only the fragments that rerun on their own (``run_every``) run, as in a browser."""
    due = {fid: time.monotonic() + interval for fid, interval in clerk.auto_reruns.items()}
    while time.monotonic() < stop_at:
        if not due:
            await asyncio.sleep(min(5.0, max(0.0, stop_at - time.monotonic())))
            continue
        fid, when = min(due.items(), key=lambda item: item[1])
        await asyncio.sleep(max(0.0, min(when, stop_at) - time.monotonic()))
        if time.monotonic() >= stop_at:
            return
        results.record("auto rerun", await clerk.run(fragment_id=fid), clerk)
        due[fid] = time.monotonic() + clerk.auto_reruns.get(fid, 60.0)


async def _measure_idle(
    pid: list[int], args: argparse.Namespace, results: Results, stop_at: float, out: dict[str, float]
) -> None:
    """With ``--idle``: the server's CPU share once every tab has signed in and sits still."""
    if not args.idle:
        return
    while results.signed_in + sum(results.errors.values()) < args.users and time.monotonic() < stop_at:
        await asyncio.sleep(0.5)
    before, started = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
    after = _cpu_seconds(pid)
    if before is not None and after is not None:
        out["cpu"], out["seconds"] = after - before, time.monotonic() - started


def _listening_pid(port: int) -> int | None:
    """The pid of the process listening on ``port`` (Linux /proc), for its CPU time."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def _cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU seconds of the app process(es) so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total if pids else None


def _rss_mib(pids: list[int]) -> float | None:
    """Resident memory of the app process(es), MiB."""
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            return None
        total += next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), 0)
    return round(total / 1024, 1) if pids else None


async def _sample_rss(pid: list[int], every: float, stop_at: float, samples: list[tuple[float, float]]) -> None:
    """The server's resident memory every ``every`` seconds: a soak shows whether it stays flat."""
    started = time.monotonic()
    while time.monotonic() < stop_at:
        rss = _rss_mib(pid)
        if rss is not None:
            samples.append((round(time.monotonic() - started), rss))
        await asyncio.sleep(every)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _main(args: argparse.Namespace) -> dict[str, object]:
    if args.server_pid:
        pid = [int(p) for p in str(args.server_pid).split(",")]
    else:
        found = _listening_pid(urlparse(args.url).port or 80)
        pid = [found] if found is not None else []
    results = Results()
    rng = random.Random(args.seed)
    cpu_before = _cpu_seconds(pid)
    started = time.monotonic()
    stop_at = started + args.duration
    rss: list[tuple[float, float]] = []
    idle: dict[str, float] = {}
    await asyncio.gather(
        *(_clerk_loop(i, args, results, stop_at, random.Random(rng.random())) for i in range(args.users)),
        _sample_rss(pid, args.rss_every, stop_at, rss),
        _measure_idle(pid, args, results, stop_at, idle),
    )
    elapsed = time.monotonic() - started
    cpu_after = _cpu_seconds(pid)
    actions = sum(len(v) for v in results.times.values())
    report: dict[str, object] = {
        "url": args.url,
        "users": args.users,
        "duration_s": round(elapsed, 1),
        "think_s": [args.think_min, args.think_max],
        "actions": actions,
        "actions_per_s": round(actions / elapsed, 2) if elapsed else None,
        "per_action": {
            name: {
                "n": len(v),
                "p50_s": round(statistics.median(v), 3),
                "p95_s": round(_percentile(v, 0.95), 3),
                "max_s": round(max(v), 3),
            }
            for name, v in results.times.items()
            if v
        },
        "errors": dict(results.errors),
        "error_samples": results.error_samples[:10],
    }
    if cpu_before is not None and cpu_after is not None:
        cpu = cpu_after - cpu_before
        report["server_pids"] = pid
        report["server_cpu_s"] = round(cpu, 2)
        report["server_cpu_share"] = round(cpu / elapsed, 3) if elapsed else None
        report["server_cpu_s_per_action"] = round(cpu / actions, 4) if actions else None
    if idle:
        report["idle_server_cpu_share"] = round(idle["cpu"] / idle["seconds"], 4) if idle["seconds"] else None
        report["idle_seconds_measured"] = round(idle["seconds"], 1)
    if rss:
        tail = [m for t, m in rss if t >= elapsed / 2]
        report["server_rss_mib"] = {
            "first": rss[0][1],
            "max": max(m for _, m in rss),
            "last": rss[-1][1],
            "second_half_min_max": [min(tail), max(tail)] if tail else None,
            "samples": rss if args.rss_series else len(rss),
        }
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load after sign-in starts")
    parser.add_argument("--think", default="2-3", help="think time between actions, seconds: MIN-MAX")
    parser.add_argument("--ramp", type=float, default=10.0, help="users start over this many seconds")
    parser.add_argument("--cases", type=int, default=2000, help="case numbers C-000001..N exist")
    parser.add_argument("--username", default="clerk")
    parser.add_argument("--password", default="cessio-demo-2026")
    parser.add_argument("--server-pid", default=None, help="pid(s) of the app process(es), comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--idle", action="store_true", help="sign in, then leave the tabs open (idle CPU)")
    parser.add_argument("--rss-every", type=float, default=30.0, help="seconds between samples of the server's memory")
    parser.add_argument("--rss-series", action="store_true", help="print every memory sample (for a soak)")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition("-")
    args.think_min, args.think_max = float(low), float(high or low)
    print(json.dumps(asyncio.run(_main(args)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
