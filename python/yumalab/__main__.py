"""``python -m yumalab run FILE [--set PATH=VALUE]... [-o DIR] [--seed N]``: the ``yumalab run``
of the binary, for scenarios that use Python code (``kind: python``); also ``validate`` and
``sweep``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import AgentError, ScenarioError, MechanismError, InternalError, run, sweep, validate


def _sets(values):
    out = {}
    for v in values or []:
        if "=" not in v:
            raise SystemExit(f"error: --set {v}: expected PATH=VALUE")
        k, _, val = v.partition("=")
        out[k] = val
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m yumalab", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run one scenario (writes reports/runs/NAME/ or -o DIR)")
    r.add_argument("file")
    r.add_argument("--set", action="append", metavar="PATH=VALUE")
    r.add_argument("-o", "--out")
    r.add_argument("--seed", type=int)
    v = sub.add_parser("validate", help="check scenario files; every problem at once")
    v.add_argument("files", nargs="+")
    v.add_argument("--set", action="append", metavar="PATH=VALUE")
    s = sub.add_parser("sweep", help="run a scenario's sweep; writes DIR/summary.parquet")
    s.add_argument("file")
    s.add_argument("--set", action="append", metavar="PATH=VALUE")
    s.add_argument("-o", "--out")
    s.add_argument("--jobs", type=int)
    s.add_argument("--shard", metavar="I/N", help="only the runs whose index is I modulo N (run N processes for sweeps with Python code)")
    a = p.parse_args(argv)
    if a.command == "validate":
        bad = 0
        for f in a.files:
            problems = validate(f, set=_sets(a.set))
            for pr in problems:
                print(f"error: {pr}", file=sys.stderr)
            bad += bool(problems)
            if not problems:
                print(f"ok: {f}")
        return 1 if bad else 0
    try:
        if a.command == "run":
            out = a.out
            if out is None:
                from . import _scenario_name

                out = str(Path("reports/runs") / _scenario_name(a.file, _sets(a.set)))
            res = run(a.file, set=_sets(a.set), seed=a.seed, out=out)
            print(res.text_summary())
            print(f"\ntables, charts and report in {out}/ (open {Path(out) / 'index.html'})")
            return 0
        if a.command == "sweep":
            out = Path(a.out or "reports/runs/sweep")
            out.mkdir(parents=True, exist_ok=True)
            shard = None
            if a.shard:
                i, _, n = a.shard.partition("/")
                if not (i.isdigit() and n.isdigit()):
                    raise SystemExit(f"error: --shard {a.shard}: expected I/N, e.g. 0/4")
                shard = (int(i), int(n))
            df = sweep(a.file, set=_sets(a.set), jobs=a.jobs, shard=shard)
            df.write_parquet(out / "summary.parquet")
            print(f"{df.height} runs; summary in {out / 'summary.parquet'}")
            return 0
    except ScenarioError as e:
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except (MechanismError, AgentError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except InternalError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
