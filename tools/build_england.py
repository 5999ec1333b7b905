#!/usr/bin/env python3
"""Builds the England baseline's data from the DfE school census and LA region codes.

Writes, into --out-dir (default scenarios/england):
  schools.csv   urn,la,hub,phase,pupils,disadvantage - every state-funded primary and
                secondary school, with the hub its local authority belongs to
  hub_map.csv   la,la_name,region,hub - every local authority in exactly one hub
  hubs.csv      name,region,opens,area - the 40 Maths Hubs and the day each opened

Run:  /usr/bin/python3 tools/build_england.py --census england_census.csv --regions la_and_region_codes_meta.csv

Standard library only. The hub map below is data, not an algorithm: a planner with the
official map can edit it here (and rerun) or replace hub_map.csv and hubs.csv by hand.
"""

import argparse
import collections
import csv
import sys
from pathlib import Path

# DfE sub-region code -> England region (see the census README).
REGIONS = {
    1: "North East", 3: "North East",
    6: "North West", 7: "North West", 9: "North West",
    10: "Yorkshire and The Humber", 12: "Yorkshire and The Humber",
    14: "East Midlands", 16: "East Midlands",
    20: "West Midlands", 22: "West Midlands", 24: "West Midlands",
    25: "East of England", 27: "East of England",
    31: "London", 32: "London", 33: "London", 34: "London", 35: "London",
    36: "South East", 37: "South East", 38: "South East", 39: "South East",
    43: "South West", 45: "South West",
}

OPENED_2014 = "2014-07-01"  # the first 32 hubs
OPENED_2015 = "2015-09-01"  # 35 by late 2015
OPENED_2019 = "2019-09-01"  # the three new areas named in 2019
OPENED_2020 = "2020-09-01"  # 40 by autumn 2020

# Every hub: (name, opens, area, local authorities by census LA code).
# area "published": the hub's area is published (domain.md); "named": a real hub name whose
# area is not published, given neighbouring LAs of its region; "constructed": a hub this
# map needs to cover every LA, named after its area.
HUBS = [
    # North East
    ("Archimedes NE", OPENED_2014, "published", [840, 841, 805, 806, 807, 808]),
    ("Great North", OPENED_2014, "named", [390, 391, 392, 393, 394, 929]),
    # North West
    ("North West Three", OPENED_2014, "published", [340, 341, 343, 342, 359]),
    ("Cheshire & Wirral", OPENED_2014, "named", [895, 896, 344, 876, 877]),
    ("North West One", OPENED_2014, "named", [352, 355, 358, 356]),
    ("North West Two", OPENED_2014, "named", [350, 351, 353, 354, 357]),
    ("Abacus NW", OPENED_2020, "named", [888]),
    ("Cumbria, Blackpool & Blackburn", OPENED_2014, "constructed", [909, 890, 889]),
    # Yorkshire and The Humber
    ("Yorkshire & the Humber", OPENED_2014, "published", [382, 384, 810, 813, 812]),
    ("West Yorkshire", OPENED_2014, "named", [383, 380, 381]),
    ("Yorkshire Ridings", OPENED_2014, "named", [815, 816, 811]),
    ("South Yorkshire", OPENED_2015, "constructed", [373, 372, 371, 370]),
    # East Midlands
    ("East Midlands South", OPENED_2014, "published", [856, 855, 928, 857]),
    ("East Midlands West", OPENED_2014, "named", [830, 831]),
    ("Minster", OPENED_2014, "named", [891, 892]),
    ("East Midlands East", OPENED_2015, "constructed", [925]),
    # West Midlands
    ("Warwickshire, Solihull & Coventry", OPENED_2019, "published", [937, 334, 331]),
    ("Salop & Herefordshire", OPENED_2014, "named", [893, 894, 884, 885]),
    ("Central", OPENED_2014, "named", [330, 332, 333]),
    ("Black Country & Staffordshire", OPENED_2014, "constructed", [335, 336, 860, 861]),
    # East of England
    ("Matrix", OPENED_2014, "published", [919, 823]),
    ("Essex, Southend & Thurrock", OPENED_2019, "published", [881, 882, 883]),
    ("Cambridge", OPENED_2014, "named", [873, 874, 822, 821]),
    ("Origin", OPENED_2014, "named", [926]),
    ("Suffolk", OPENED_2020, "constructed", [935]),
    # London
    ("London Central & West", OPENED_2014, "named", [202, 206, 207, 213, 205, 304, 307, 310, 312, 313]),
    ("London North East", OPENED_2014, "named", [302, 308, 309, 320, 204, 317, 311, 301]),
    ("London Thames", OPENED_2014, "named", [201, 211, 316, 203, 303, 209]),
    ("London South East", OPENED_2014, "named", [208, 210, 212, 305, 306, 314, 315, 318, 319]),
    # South East
    ("Sussex", OPENED_2014, "named", [938, 845, 846]),
    ("Kent & Medway", OPENED_2014, "named", [886, 887]),
    ("NE Hants & Surrey", OPENED_2014, "named", [936]),
    ("Solent", OPENED_2014, "named", [850, 851, 852, 921]),
    ("Thames Valley", OPENED_2014, "constructed", [931, 825, 826, 871, 868]),
    # South West (the 2019 Berkshire/Wiltshire hub spans two regions: it takes the region
    # where most of its schools are)
    ("Berkshire, Wiltshire & Swindon", OPENED_2019, "published", [865, 866, 869, 870, 872, 867]),
    ("Boolean", OPENED_2014, "named", [800, 801, 802, 803]),
    ("Cornwall & West Devon", OPENED_2014, "named", [908, 420, 879]),
    ("Jurassic", OPENED_2014, "named", [835, 836, 837, 933]),
    ("Devon & Torbay", OPENED_2015, "constructed", [878, 880]),
    ("Gloucestershire", OPENED_2014, "constructed", [916]),
]

PHASES = {"State-funded primary": "primary", "State-funded secondary": "secondary"}


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--census", required=True, help="the DfE census file (england_census.csv)")
    ap.add_argument("--regions", required=True, help="LA and region codes (la_and_region_codes_meta.csv)")
    ap.add_argument("--out-dir", default="scenarios/england")
    args = ap.parse_args(argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    la_name, la_region = {}, {}
    with open(args.regions, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = int(row["LEA"])
            la_name[code] = row["LA Name"]
            la_region[code] = REGIONS[int(row["REGION"])]

    hub_of = {}
    for name, _, _, las in HUBS:
        for la in las:
            if la in hub_of:
                sys.exit(f"LA {la} is in both {hub_of[la]} and {name}")
            hub_of[la] = name

    schools, missing = [], collections.Counter()
    with open(args.census, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            phase = PHASES.get(row["SCHOOLTYPE"])
            if phase is None or row["URN"] == "NAT" or not row["LA"]:
                continue  # other school types, and the national total rows
            schools.append({"urn": int(row["URN"]), "la": int(row["LA"]), "phase": phase,
                            "pupils": number(row["NOR"]), "disadvantage": number(row["PNUMFSMEVER"])})
    for s in schools:
        if s["la"] not in hub_of:
            missing[s["la"]] += 1
    if missing:
        sys.exit(f"LAs with schools but no hub: {dict(missing)}")

    # Fill gaps: no pupils -> 0; no disadvantage -> the LA's pupil-weighted mean for the phase.
    weighted = collections.defaultdict(lambda: [0.0, 0.0])
    for s in schools:
        if s["pupils"] and s["disadvantage"] is not None:
            w = weighted[(s["la"], s["phase"])]
            w[0] += s["pupils"] * s["disadvantage"]
            w[1] += s["pupils"]
    imputed = collections.Counter()
    for s in schools:
        if s["pupils"] is None:
            s["pupils"] = 0
            imputed["pupils"] += 1
        if s["disadvantage"] is None:
            total, pupils = weighted[(s["la"], s["phase"])]
            s["disadvantage"] = total / pupils if pupils else 0.0
            imputed["disadvantage"] += 1
    schools.sort(key=lambda s: s["urn"])
    counts = collections.Counter(s["phase"] for s in schools)
    # The census has 16,769 primary and 3,448 secondary school rows (the published 16,770 and
    # 3,449 include the national total rows).
    assert counts == {"primary": 16769, "secondary": 3448}, counts

    with open(out / "schools.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["urn", "la", "hub", "phase", "pupils", "disadvantage"])
        for s in schools:
            w.writerow([s["urn"], s["la"], hub_of[s["la"]], s["phase"], int(s["pupils"]),
                        f"{s['disadvantage'] / 100:.4f}"])

    with open(out / "hub_map.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["la", "la_name", "region", "hub"])
        for la in sorted(hub_of):
            w.writerow([la, la_name[la], la_region[la], hub_of[la]])

    per_hub = collections.defaultdict(collections.Counter)
    for s in schools:
        per_hub[hub_of[s["la"]]][s["phase"]] += 1
    print(f"{'hub':36} {'region':26} {'opens':10} {'area':11} {'LAs':>3} {'prim':>5} {'sec':>4}")
    with open(out / "hubs.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "region", "opens", "area"])
        for name, opens, area, las in HUBS:
            by_region = collections.Counter()
            for s in schools:
                if hub_of[s["la"]] == name:
                    by_region[la_region[s["la"]]] += 1
            region = by_region.most_common(1)[0][0]
            w.writerow([name, region, opens, area])
            print(f"{name:36} {region:26} {opens:10} {area:11} {len(las):3} "
                  f"{per_hub[name]['primary']:5} {per_hub[name]['secondary']:4}")
    opened = collections.Counter(h[1] for h in HUBS)
    print(f"{len(HUBS)} hubs; opening: {dict(sorted(opened.items()))}; {len(schools)} schools "
          f"({counts['primary']} primary, {counts['secondary']} secondary); imputed: {dict(imputed)}")
    assert len(HUBS) == 40


if __name__ == "__main__":
    main()
