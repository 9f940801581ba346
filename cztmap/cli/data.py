"""The ``data build``, ``data validate``, ``params`` and ``calibrate`` commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cztmap.cli._common import Parser, command, info, json_safe, print_json


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    d = sub.add_parser("data", help="build or validate the curated dataset")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION", parser_class=Parser)
    db = dsub.add_parser("build", help="rebuild data/geo from data/sources (deterministic)")
    db.add_argument("--sources", help="source folder (default: embedded data/sources)")
    db.add_argument("--out", help="output folder (default: embedded data/geo)")
    dv = dsub.add_parser("validate", help="check the curated layers; exit 1 on any problem")
    dv.add_argument("path", nargs="?", help="layer folder (default: embedded data/geo)")
    dv.add_argument("--json", action="store_true", help="print the problems as JSON")
    ds_ = dsub.add_parser("summary", help="counts, lengths, position quality, checks and region shares")
    ds_.add_argument("--json", action="store_true", help="print the summary as JSON")

    pa = sub.add_parser("params", help="show every model parameter with its source")
    pa.add_argument("--json", action="store_true", help="print the parameters and sources as JSON")
    ca = sub.add_parser("calibrate", help="run-time model against the published end-to-end times")
    ca.add_argument("--json", action="store_true", help="print the calibration report as JSON")


@command("data build")
def _cmd_data_build(args: argparse.Namespace) -> int:
    from cztmap.data.build import build_dataset

    texts = build_dataset(args.sources, args.out)
    info(f"built {len(texts)} layers into {args.out or 'the embedded data/geo'}")
    return 0


@command("data validate")
def _cmd_data_validate(args: argparse.Namespace) -> int:
    from cztmap.data.validate import validate_dataset

    problems = validate_dataset(args.path, warnings=True)
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        print_json([p.__dict__ for p in problems])
    for p in problems if not args.json else []:
        print(p)
    if errors:
        print(f"cztmap: error: {len(errors)} problem(s) found; fix them or run `cztmap data build`.", file=sys.stderr)
        return 1
    warned = len(problems) - len(errors)
    info("dataset valid" + (f" ({warned} warning(s): statuses that may be stale)" if warned else ""))
    return 0


@command("data summary")
def _cmd_data_summary(args: argparse.Namespace) -> int:
    from cztmap.data.summary import dataset_summary

    s = dataset_summary()
    if args.json:
        print_json(s)
        return 0
    c = s["counts"]
    print(f"cztmap dataset {s['version']}: " + ", ".join(f"{v} {k}" for k, v in c.items()))
    print("\nper mode (sections, km):")
    for m, v in s["modes"].items():
        print(f"  {m:<10} {v['sections']:>4}  {v['km']:>7.1f}")
    print("\nper line:           stations sections  model km  published km   diff")
    for r in s["lines"]:
        mk = "" if r["model_km"] is None else f"{r['model_km']:.2f}"
        pk = "" if r["published_km"] is None else f"{r['published_km']:g}"
        dp = "" if r["difference_pct"] is None else f"{r['difference_pct']:+.1f} %"
        print(f"  {r['line_id']:<8} {r['status']:<18} {r['stations']:>3} {r['sections']:>4} {mk:>10} {pk:>10} {dp:>8}")
    p = s["positions"]
    print("\nstation positions: " + ", ".join(f"{v} {k}" for k, v in p["all"].items()))
    print(
        "  CZT intercity: "
        + ", ".join(f"{v} {k}" for k, v in p["czt"].items())
        + f" (expected error median {p['czt_error_m']['median']:.0f} m, max {p['czt_error_m']['max']:.0f} m)"
    )
    print(f"\nstatus last checked: {s['checked_on']['newest'] or 'never'}")
    for w in s["warnings"]:
        print(f"  {w}")
    print("\nChang-Zhu-Tan in Hunan   from the data   published")
    for r in s["region"]:
        share = "not computed" if r["share_pct"] is None else f"{r['share_pct']:.1f} %"
        print(f"  {r['quantity']:<22} {share:>13}   {r['published_pct']:.1f} %")
        print(f"    {r['method']}")
    return 0


@command("params")
def _cmd_params(args: argparse.Namespace) -> int:
    import dataclasses

    from cztmap.params import DEFAULTS, SOURCES

    rows = {
        f.name: {"value": getattr(DEFAULTS, f.name), "source": SOURCES.get(f.name, "")}
        for f in dataclasses.fields(DEFAULTS)
    }
    if args.json:
        print_json(rows)
    else:
        for k, v in rows.items():
            print(f"{k} = {v['value']}\n    {v['source']}")
    return 0


@command("calibrate")
def _cmd_calibrate(args: argparse.Namespace) -> int:
    from cztmap.network.drive_times import check_drive_times
    from cztmap.network.runtime import calibrate, calibrate_rail

    p, report = calibrate()
    pr, rail = calibrate_rail()
    cars = check_drive_times()
    car_rows = [
        {
            "fact_id": r.fact_id,
            "role": r.role,
            "from": r.origin_name,
            "to": r.destination_name,
            "published": r.published_min,
            "low_min": float(r.low_min),
            "high_min": float(r.high_min),
            "model_min": round(float(r.model_min), 1),
            "within": bool(r.within),
            "error_min": round(float(r.error_min), 1),
            "source": r.source,
        }
        for r in cars.itertuples()
    ]
    if args.json:
        print(
            json.dumps(
                json_safe(
                    {
                        "cruise_fraction_metro": p.cruise_fraction["metro"],
                        "facts": report,
                        "cruise_fraction_intercity": pr.cruise_fraction["intercity"],
                        "cruise_fraction_hsr": pr.cruise_fraction["hsr"],
                        "cruise_fraction_rail": pr.cruise_fraction["rail"],
                        "rail_facts": rail,
                        "drive_times": car_rows,
                    }
                ),
                allow_nan=False,
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"calibrated metro cruise_fraction = {p.cruise_fraction['metro']}")
        for r in report:
            fit = "fit" if r["used_for_fit"] else "held out"
            print(
                f"  {r['line_id']:3} {r['from']}–{r['to']} ({r['sections']} sections): "
                f"published {r['published_min']} min, "
                f"model {r['model_min']:.1f} min, error {r['error_min']:+.1f} min ({r['error_pct']:+.1f} %), {fit}"
            )
        print(
            f"calibrated China Railway cruise_fraction: intercity = {pr.cruise_fraction['intercity']}, "
            f"hsr = {pr.cruise_fraction['hsr']}, rail = {pr.cruise_fraction['rail']}; hsr accel = decel = "
            f"{pr.accel_mps2['hsr']} m/s²; speed of lines publishing none: hsr {pr.default_speed_kmh['hsr']:g}, "
            f"rail {pr.default_speed_kmh['rail']:g} km/h (data/sources/rail_run_times.csv)"
        )
        for r in rail:
            fit = "fit" if r["used_for_fit"] else "held out (validation)"
            print(
                f"  {r['fact_id']} {r['mode']:9} {r['from']}–{r['to']} calling at {r['calls']} ({r['as_of']}): published "
                f"{r['published_min']} min, model {r['model_min']:.1f} min, error {r['error_min']:+.1f} min "
                f"({r['error_pct']:+.1f} %), {fit}"
            )
        print("car times (off-peak) against published drive times (data/sources/drive_times.csv):")
        for c in car_rows:
            ok = "inside" if c["within"] else f"outside by {c['error_min']:+.1f} min"
            print(
                f"  {c['fact_id']} {c['role']:11} {c['from']} → {c['to']}: published {c['published']} "
                f"({c['low_min']:g}–{c['high_min']:g} min), model {c['model_min']:.1f} min, {ok}"
            )
    return 0
