"""The full Kodak AWGN sweep: wall time of ``linksim run`` and its records against the
committed ones.

    python benchmarks/bench_kodak_sweep.py run --label warm --out /tmp/kodak_warm [--workers 2]
        [--cold] [--systems separated,ideal] [--scenario scenarios/image/kodak_awgn.toml]
        [--set KEY=VALUE ...]
    python benchmarks/bench_kodak_sweep.py report
    python benchmarks/bench_kodak_sweep.py recompare --label warm --out /tmp/kodak_warm

``run`` times ``linksim run SCENARIO --out OUT --workers N --no-plots`` in a subprocess
(OUT must not hold records: never the committed folder), then compares every record with
the committed one of the same ``point_id`` in ``results/image/kodak_awgn`` (every field but
``wall_time_s``), and writes ``benchmarks/results/kodak_sweep/LABEL.json``. ``--cold`` runs
with an empty codec cache: ``LINKSIM_CACHE`` is a fresh folder holding a copy of every
other cache kind (BLER tables, catalog) of the current one, so only the codec files are
built again. ``--systems`` keeps only the systems of those names (e.g. the codec's, to
time building its cache cold against warm). ``report`` writes ``benchmarks/results/kodak_sweep.md`` from those JSON files.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "results/image/kodak_awgn/results.jsonl"
RESULTS = ROOT / "benchmarks/results/kodak_sweep"
REPORT = ROOT / "benchmarks/results/kodak_sweep.md"
VOLATILE = ("wall_time_s",)


def read(path: Path) -> dict[str, dict]:
    """Records of a results.jsonl by point id (a half-written last line skipped)."""
    out = {}
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        out[record["point_id"]] = record
    return out


def compare(new: dict[str, dict], old: dict[str, dict]) -> dict:
    """How many new records equal the committed one in every field but wall time, and the
    first differences."""
    same, differ, examples, largest = 0, 0, [], {}
    for pid, record in new.items():
        ref = old.get(pid)
        if ref is not None and record.get("values") != ref.get("values"):
            gap = max((abs(a - b) for m, v in record["values"].items()
                       for a, b in zip(v, ref["values"].get(m, []))), default=0.0)
            largest[record["label"]] = max(largest.get(record["label"], 0.0), gap)
        fields = (["(no committed record)"] if ref is None else
                  sorted(k for k in set(record) | set(ref) if k not in VOLATILE
                         and record.get(k) != ref.get(k)))
        if fields:
            differ += 1
            if len(examples) < 5:
                examples.append({"point_id": pid, "label": record.get("label"),
                                 "axes": record.get("axes"), "fields": fields})
        else:
            same += 1
    return {"records": len(new), "committed": len(old), "identical": same,
            "different": differ, "missing": len(set(old) - set(new)), "examples": examples,
            "largest_value_difference": largest}


def home_cache() -> Path:
    return Path(os.environ.get("LINKSIM_CACHE", Path.home() / ".cache" / "linksim"))


def cold_cache(where: Path) -> Path:
    """A cache folder with every kind of the current cache but the codec files."""
    src = home_cache()
    where.mkdir(parents=True, exist_ok=True)
    for kind in src.iterdir() if src.is_dir() else ():
        if kind.is_dir() and kind.name not in ("codecs", "logs"):
            shutil.copytree(kind, where / kind.name, dirs_exist_ok=True)
    return where


def codec_files(cache: Path) -> int:
    root = cache / "codecs"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def keep_systems(text: str, names: list[str]) -> str:
    """The scenario text with only the ``[[systems]]`` tables whose ``name`` is in
    ``names`` (the tables after the systems, e.g. ``[metrics]``, kept)."""
    head, _, rest = text.partition("\n[[systems]]")
    body, sep, tail = rest.partition("\n[metrics]")
    blocks = ["[[systems]]" + b for b in body.split("\n[[systems]]")]
    kept = [b for b in blocks
            if any(line.replace(" ", "") == f'name="{n}"' for n in names
                   for line in b.splitlines())]
    return "\n".join([head, *kept]) + sep + tail


def git_head() -> str:
    """The commit the run used, ``-dirty`` when tracked files differ from it."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    if (out / "results.jsonl").exists() or out == COMMITTED.parent.resolve():
        raise SystemExit(f"{out}: holds records; give a fresh scratch folder")
    env = dict(os.environ)
    tmp = None
    if args.cold:
        tmp = Path(tempfile.mkdtemp(prefix="linksim-cold-"))
        env["LINKSIM_CACHE"] = str(cold_cache(tmp / "cache"))
    cache = Path(env.get("LINKSIM_CACHE", home_cache()))
    scenario = Path(args.scenario)
    if args.systems:
        part = Path(tempfile.mkdtemp(prefix="linksim-part-")) / scenario.name
        part.write_text(keep_systems(scenario.read_text(), args.systems.split(",")))
        scenario = part
    cmd = [sys.executable, "-m", "linksim", "run", str(scenario), "--out", str(out),
           "--workers", str(args.workers), "--no-plots"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    for item in args.set:
        cmd += ["--set", item]
    files_before = codec_files(cache)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()
    files_after = codec_files(cache)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    new = read(out / "results.jsonl") if (out / "results.jsonl").exists() else {}
    result = {
        "label": args.label, "command": " ".join(["linksim", *cmd[3:]]).replace(
            str(scenario), f"{args.scenario} (systems {args.systems} only)"
            if args.systems else str(Path(args.scenario))),
        "cold_codec_cache": bool(args.cold), "exit_code": proc.returncode,
        "wall_s": round(wall, 1), "workers": args.workers, "git": git_head(),
        "codec_files_before": files_before, "codec_files_after": files_after,
        "load_avg_before": [round(v, 2) for v in load_before],
        "load_avg_after": [round(v, 2) for v in load_after],
        "cpus": os.cpu_count(), "machine": platform.machine(),
        "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - wall)),
        "sum_point_wall_s": round(sum(r["wall_time_s"] for r in new.values()), 1),
        "comparison": compare(new, read(COMMITTED)),
        "note": args.note,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")
    c = result["comparison"]
    print(f"{args.label}: {wall / 60:.1f} min, {c['identical']}/{c['committed']} records "
          f"identical to the committed ones, {c['different']} different, {c['missing']} missing")
    return 0 if proc.returncode == 0 and c["different"] == 0 else 1


def recompare(args: argparse.Namespace) -> int:
    """Compare a run's records again (e.g. after ``compare`` learned more) into its JSON."""
    path = RESULTS / f"{args.label}.json"
    result = json.loads(path.read_text())
    result["comparison"] = compare(read(Path(args.out) / "results.jsonl"), read(COMMITTED))
    path.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def report(_: argparse.Namespace) -> int:
    rows = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    lines = ["# The full Kodak AWGN sweep\n",
             "Generated by `python benchmarks/bench_kodak_sweep.py report` from "
             "`benchmarks/results/kodak_sweep/*.json` (each written by "
             "`bench_kodak_sweep.py run`). Records are compared with the committed "
             "`results/image/kodak_awgn/results.jsonl` point by point, every field but "
             "`wall_time_s`. Load average: 1, 5 and 15 min at the start and the end "
             "(2 cores: other agents' work shares them).\n",
             "| run | command | codec cache | wall | records identical | load avg start / end "
             "| sum of point times | git |",
             "|---|---|---|---:|---|---|---:|---|"]
    for r in rows:
        c = r["comparison"]
        cache = (f"cold ({r['codec_files_after']} files built)" if r["cold_codec_cache"] else
                 f"warm ({r['codec_files_before']} files, +{r['codec_files_after'] - r['codec_files_before']})")
        lines.append(
            f"| {r['label']} | `{r['command']}` | {cache} | {r['wall_s'] / 60:.1f} min "
            f"({r['wall_s']:.0f} s) | {c['identical']} of {c['records']} "
            f"({c['different']} different, {c['missing']} of {c['committed']} committed not run) | "
            f"{', '.join(f'{v:g}' for v in r['load_avg_before'])} / "
            f"{', '.join(f'{v:g}' for v in r['load_avg_after'])} | "
            f"{r['sum_point_wall_s'] / 60:.1f} min | {r['git']} |")
    for r in rows:
        if r.get("note"):
            lines.append(f"\n- **{r['label']}**: {r['note']}")
        if r["exit_code"] != 0:
            lines.append(f"- {r['label']}: `linksim run` ended with exit code {r['exit_code']} "
                         f"after {r['comparison']['records']} of the scenario's points "
                         "(130: interrupted)")
        for label, gap in r["comparison"].get("largest_value_difference", {}).items():
            lines.append(f"- {r['label']}: {label}: per-item values differ from the committed "
                         f"ones by at most {gap:.2g}")
        for e in r["comparison"]["examples"]:
            lines.append(f"- {r['label']}: {e['label']} at {e['axes']} differs in "
                         f"{', '.join(e['fields'])}")
    REPORT.write_text("\n".join(lines) + "\n")
    print(REPORT.read_text())
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--cold", action="store_true", help="an empty codec cache")
    r.add_argument("--threads", type=int, default=None,
                   help="PyTorch threads per point (the committed records' learned systems "
                        "were computed with 2: their last digit depends on it)")
    r.add_argument("--scenario", default=str(ROOT / "scenarios/image/kodak_awgn.toml"))
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--note", default="", help="a sentence for the report")
    r.add_argument("--systems", default="", help="keep only the [[systems]] of these "
                   "registered names (comma-separated; e.g. separated,ideal: the codec's)")
    r.set_defaults(fn=run)
    sub.add_parser("report").set_defaults(fn=report)
    c = sub.add_parser("recompare")
    c.add_argument("--label", required=True)
    c.add_argument("--out", required=True)
    c.set_defaults(fn=recompare)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
