#!/usr/bin/env python3
"""Builds the England baseline's data from the DfE school census and LA region codes.

Writes, into --out-dir (default scenarios/england):
  schools.csv   urn,la,hub,phase,pupils,disadvantage - every state-funded primary and
                secondary school, with the hub its local authority belongs to
  hub_map.csv   la,la_name,region,hub - every local authority with such a school, in
                exactly one hub
  hubs.csv      name,region,opens - the 40 Maths Hubs and the day each opened
  colleges.csv  urn,la,hub,phase,pupils,disadvantage - the post-16 strand's colleges, which
                the census does not hold: generated (see COLLEGES below)

Run:  /usr/bin/python3 tools/build_england.py --census <census.csv> --regions <la_regions.csv>

Standard library only. The hub map is the data tables below, not an algorithm: a planner
with the official map can edit HUBS and rerun, or replace hub_map.csv (and the hub column
of schools.csv) by hand. scenarios/england/README.md says where each row comes from.
"""

import argparse
import collections
import csv
import sys
from pathlib import Path

# ---------------------------------------------------------------------------------------
# Data tables
# ---------------------------------------------------------------------------------------

# DfE sub-region code (la_regions.csv REGION) -> England region.
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

# Census SCHOOLTYPE -> phase; every other school type is left out.
PHASES = {"State-funded primary": "primary", "State-funded secondary": "secondary"}

OPENED_2014 = "2014-07-01"  # the first 32 hubs
OPENED_2015 = "2015-09-01"  # 35 by late 2015
OPENED_2019 = "2019-09-01"  # 37: the two new North West hubs start work
OPENED_2020 = "2020-09-01"  # 40: the three hubs whose lead schools were sought in 2019

# The post-16 strand's institutions (domain.md): general FE and sixth-form colleges. The
# census holds no colleges, so they are generated: 168 general FE + 51 sixth-form colleges,
# the Association of Colleges' count of February 2020 (the one nearest the census and the
# first FE Mastery Specialist cohorts); land-based, art and design colleges and institutes of
# adult learning left out; 11-18 schools stay secondary schools (counted once). They are
# spread over hubs in proportion to each hub's secondary schools (largest remainder), with
# the mean disadvantage of the hub's secondary schools (a guess: colleges draw on the same
# area) and no pupil count (not published per college; the model does not use it). URNs
# 9000001 upward are made up, outside the DfE's range.
COLLEGES = 168 + 51
COLLEGE_URN = 9000001

# How many hubs are open on each date (published): checked against HUBS.
OPEN_BY = {OPENED_2014: 32, OPENED_2015: 35, OPENED_2019: 37, OPENED_2020: 40}

# Every hub: (name, opens, basis, local authorities by their name in la_regions.csv).
# basis:
#   "published"    the hub's area is published (domain.md, or the hub's own site for
#                  Cheshire & Wirral); the LAs are exactly that area
#   "named"        a real hub name whose area is not published: given neighbouring LAs of
#                  its region so that hubs within a region are of similar size
#   "constructed"  a hub the map needs to reach 40 and cover every LA, named after its area
# A hub lies within one region, except the Central South hub, whose published area
# straddles the South East / South West border (its region is where most of its schools are).
# LAs listed here but without a primary or secondary school in the census (the post-2019
# Dorset codes) are ignored, so a newer census can be used with the same table.
HUBS = [
    # North East
    ("Archimedes NE", OPENED_2014, "published",
     ["County Durham", "Darlington", "Hartlepool", "Middlesbrough", "Redcar and Cleveland",
      "Stockton-on-Tees"]),
    ("Great North", OPENED_2014, "named",
     ["Gateshead", "Newcastle upon Tyne", "North Tyneside", "South Tyneside", "Sunderland",
      "Northumberland"]),
    # North West
    ("North West Three", OPENED_2014, "published",
     ["Knowsley", "Liverpool", "Sefton", "St. Helens", "Wigan"]),
    ("North West One", OPENED_2014, "named",
     ["Manchester", "Salford", "Trafford", "Stockport", "Warrington"]),
    ("North West Two", OPENED_2014, "named",
     ["Bolton", "Bury", "Rochdale", "Oldham", "Tameside"]),
    ("Cumbria & North Lancashire", OPENED_2015, "constructed", ["Cumbria"]),
    ("Cheshire & Wirral", OPENED_2019, "published",
     ["Cheshire East", "Cheshire West & Chester", "Halton", "Wirral"]),
    ("Abacus NW", OPENED_2019, "named", ["Lancashire", "Blackburn with Darwen", "Blackpool"]),
    # Yorkshire and The Humber
    ("Yorkshire & the Humber", OPENED_2014, "published",
     ["Kirklees", "Wakefield", "Kingston Upon Hull, City of", "North Lincolnshire",
      "North East Lincolnshire"]),
    ("West Yorkshire", OPENED_2014, "named", ["Leeds", "Bradford", "Calderdale"]),
    ("Yorkshire Ridings", OPENED_2014, "named",
     ["North Yorkshire", "York", "East Riding of Yorkshire"]),
    ("South Yorkshire", OPENED_2015, "constructed",
     ["Sheffield", "Rotherham", "Doncaster", "Barnsley"]),
    # East Midlands (North Northamptonshire did not exist in 2019: Northamptonshire)
    ("East Midlands South", OPENED_2014, "published",
     ["Leicester", "Leicestershire", "Northamptonshire", "Rutland"]),
    ("East Midlands West", OPENED_2014, "named", ["Derbyshire", "Derby"]),
    ("Minster", OPENED_2014, "named", ["Nottinghamshire", "Nottingham"]),
    ("East Midlands East", OPENED_2015, "constructed", ["Lincolnshire"]),
    # West Midlands
    ("Central", OPENED_2014, "named", ["Birmingham"]),
    ("Salop & Herefordshire", OPENED_2014, "named",
     ["Shropshire", "Telford and Wrekin", "Herefordshire, County of", "Worcestershire"]),
    ("Black Country", OPENED_2014, "constructed",
     ["Dudley", "Sandwell", "Walsall", "Wolverhampton"]),
    ("Staffordshire & Stoke", OPENED_2014, "constructed", ["Staffordshire", "Stoke-on-Trent"]),
    ("Warwickshire, Solihull & Coventry", OPENED_2020, "published",
     ["Warwickshire", "Solihull", "Coventry"]),
    # East of England (Matrix covered Essex, Southend and Thurrock too until their own hub
    # opened; the static map gives it its later area)
    ("Matrix", OPENED_2014, "published", ["Hertfordshire", "Central Bedfordshire"]),
    ("Cambridge", OPENED_2014, "named", ["Cambridgeshire", "Peterborough", "Bedford", "Luton"]),
    ("Origin", OPENED_2014, "named", ["Norfolk"]),
    ("Suffolk", OPENED_2014, "constructed", ["Suffolk"]),
    ("Essex, Southend & Thurrock", OPENED_2020, "published",
     ["Essex", "Southend-on-Sea", "Thurrock"]),
    # London: the 32 boroughs and the City in four hubs of about 580 schools
    ("London Central & West", OPENED_2014, "named",
     ["Westminster", "Kensington and Chelsea", "Hammersmith and Fulham", "Brent", "Ealing",
      "Harrow", "Hillingdon", "Hounslow", "Richmond upon Thames"]),
    ("London North East", OPENED_2014, "named",
     ["Camden", "Islington", "Hackney", "Barnet", "Enfield", "Haringey", "Waltham Forest",
      "Redbridge"]),
    ("London Thames", OPENED_2014, "named",
     ["City of London", "Tower Hamlets", "Newham", "Barking and Dagenham", "Havering",
      "Greenwich", "Bexley", "Lewisham"]),
    ("London South East", OPENED_2014, "named",
     ["Southwark", "Lambeth", "Wandsworth", "Merton", "Kingston upon Thames", "Sutton",
      "Croydon", "Bromley"]),
    # South East
    ("Kent & Medway", OPENED_2014, "named", ["Kent", "Medway"]),
    ("Sussex", OPENED_2014, "named", ["West Sussex", "East Sussex", "Brighton and Hove"]),
    ("NE Hants & Surrey", OPENED_2014, "named", ["Surrey"]),
    ("Solent", OPENED_2014, "named", ["Hampshire", "Portsmouth", "Southampton", "Isle of Wight"]),
    ("Thames Valley", OPENED_2014, "constructed",
     ["Oxfordshire", "Buckinghamshire", "Milton Keynes", "Slough", "Windsor and Maidenhead"]),
    # South West
    ("Central South", OPENED_2020, "published",
     ["Wiltshire", "Swindon", "West Berkshire", "Reading", "Wokingham", "Bracknell Forest"]),
    ("Boolean", OPENED_2014, "named",
     ["Bath and North East Somerset", "Bristol, City of", "North Somerset",
      "South Gloucestershire"]),
    ("Cornwall & West Devon", OPENED_2014, "named",
     ["Cornwall", "Isles of Scilly", "Plymouth", "Devon", "Torbay"]),
    ("Jurassic", OPENED_2014, "named",
     ["Dorset (pre-2019 code)", "Poole (pre-2019 code)", "Bournemouth (pre-2019 code)",
      "Dorset", "Bournemouth, Christchurch and Poole", "Somerset"]),
    ("Gloucestershire", OPENED_2014, "constructed", ["Gloucestershire"]),
]

# Hubs allowed to span two regions (their published area does).
CROSS_REGION = {"Central South"}

EXPECTED = {"primary": 16769, "secondary": 3448}  # school rows (the national totals left out)

# ---------------------------------------------------------------------------------------


def number(text):
    """The census's value as a float, or None where it is missing ("NA", blank)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_regions(path):
    """LA code -> (name, region)."""
    las = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            las[int(row["LEA"])] = (row["LA Name"].strip(), REGIONS[int(row["REGION"])])
    return las


def read_schools(path):
    schools, skipped = [], collections.Counter()
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if not row["LA"] or row["LA"] == "NAT" or not row["URN"].isdigit():
                skipped["national total rows"] += 1
                continue
            phase = PHASES.get(row["SCHOOLTYPE"])
            if phase is None:
                skipped[row["SCHOOLTYPE"]] += 1
                continue
            schools.append({"urn": int(row["URN"]), "la": int(row["LA"]), "phase": phase,
                            "pupils": number(row["NOR"]),
                            "disadvantage": number(row["PNUMFSMEVER"])})
    return schools, skipped


def impute(schools):
    """No pupils on roll -> 0; no disadvantage -> the LA's pupil-weighted mean for the
    phase (the region's, if the LA has no school to take it from). Returns the counts."""
    by_la, by_region = collections.defaultdict(lambda: [0.0, 0.0]), collections.defaultdict(
        lambda: [0.0, 0.0])
    for s in schools:
        if s["pupils"] and s["disadvantage"] is not None:
            for acc in (by_la[(s["la"], s["phase"])], by_region[(s["region"], s["phase"])]):
                acc[0] += s["pupils"] * s["disadvantage"]
                acc[1] += s["pupils"]
    imputed = collections.Counter()
    for s in schools:
        if s["pupils"] is None:
            s["pupils"] = 0.0
            imputed[f"pupils ({s['phase']})"] += 1
        if s["disadvantage"] is None:
            total, pupils = by_la[(s["la"], s["phase"])]
            if not pupils:
                total, pupils = by_region[(s["region"], s["phase"])]
            s["disadvantage"] = total / pupils
            imputed[f"disadvantage ({s['phase']})"] += 1
    return imputed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--census", required=True,
                    help="the DfE school census, school level (england_census.csv)")
    ap.add_argument("--regions", required=True,
                    help="LA and region codes (la_and_region_codes_meta.csv)")
    ap.add_argument("--out-dir", default="scenarios/england")
    args = ap.parse_args(argv)

    las = read_regions(args.regions)
    code_of = {name: code for code, (name, _) in las.items()}
    if len(code_of) != len(las):
        sys.exit("la_regions: LA names are not unique")

    # The hub table, checked.
    names = [h[0] for h in HUBS]
    if len(HUBS) != 40 or len(set(names)) != 40:
        sys.exit(f"expected 40 hubs with distinct names, found {len(HUBS)} ({len(set(names))} names)")
    for date, n in OPEN_BY.items():
        opened = sum(1 for h in HUBS if h[1] <= date)
        if opened != n:
            sys.exit(f"{opened} hubs open by {date}, expected {n}")
    hub_of = {}
    for name, _, basis, la_names in HUBS:
        if basis not in ("published", "named", "constructed"):
            sys.exit(f"{name}: unknown basis '{basis}'")
        for la_name in la_names:
            if la_name not in code_of:
                sys.exit(f"{name}: no LA named '{la_name}' in {args.regions}")
            code = code_of[la_name]
            if code in hub_of:
                sys.exit(f"{la_name} is in both {hub_of[code]} and {name}")
            hub_of[code] = name

    schools, skipped = read_schools(args.census)
    for s in schools:
        if s["la"] not in las:
            sys.exit(f"school {s['urn']}: LA {s['la']} is not in {args.regions}")
        s["region"] = las[s["la"]][1]
    no_hub = collections.Counter(las[s["la"]][0] for s in schools if s["la"] not in hub_of)
    if no_hub:
        sys.exit(f"LAs with schools but no hub: {dict(no_hub)}")
    counts = collections.Counter(s["phase"] for s in schools)
    # The published 16,770 primary and 3,449 secondary count one national total row each.
    if counts != EXPECTED:
        sys.exit(f"expected {EXPECTED} schools, found {dict(counts)}")
    imputed = impute(schools)
    schools.sort(key=lambda s: s["urn"])

    # Each hub's region: the region of its schools (the majority, for a cross-region hub).
    per_hub = collections.defaultdict(collections.Counter)
    hub_regions = collections.defaultdict(collections.Counter)
    hub_las = collections.defaultdict(set)
    for s in schools:
        hub = hub_of[s["la"]]
        per_hub[hub][s["phase"]] += 1
        hub_regions[hub][s["region"]] += 1
        hub_las[hub].add(s["la"])
    region_of = {}
    for name in names:
        if not per_hub[name]:
            sys.exit(f"{name} has no schools")
        if len(hub_regions[name]) > 1 and name not in CROSS_REGION:
            sys.exit(f"{name} spans regions {dict(hub_regions[name])}")
        region_of[name] = hub_regions[name].most_common(1)[0][0]

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "schools.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["urn", "la", "hub", "phase", "pupils", "disadvantage"])
        for s in schools:
            # a share in [0, 1], 4 decimals, trailing zeros dropped (0.162, not 0.1620)
            dis = min(1.0, max(0.0, s["disadvantage"] / 100))
            w.writerow([s["urn"], s["la"], hub_of[s["la"]], s["phase"], int(s["pupils"]),
                        f"{dis:.4f}".rstrip("0").rstrip(".")])
    with open(out / "hub_map.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["la", "la_name", "region", "hub"])
        for code in sorted(set(s["la"] for s in schools)):
            w.writerow([code, las[code][0], las[code][1], hub_of[code]])
    with open(out / "hubs.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "region", "opens"])
        for name, opens, _, _ in HUBS:
            w.writerow([name, region_of[name], opens])

    write_colleges(out / "colleges.csv", schools, hub_of, names)

    print(f"{'hub':34} {'region':25} {'opens':10} {'basis':11} {'LAs':>3} {'prim':>5} "
          f"{'sec':>4} {'all':>5}")
    for name, opens, basis, _ in HUBS:
        p, q = per_hub[name]["primary"], per_hub[name]["secondary"]
        print(f"{name:34} {region_of[name]:25} {opens:10} {basis:11} {len(hub_las[name]):3} "
              f"{p:5} {q:4} {p + q:5}")
    print(f"{len(HUBS)} hubs, open by date: "
          + ", ".join(f"{d}: {sum(1 for h in HUBS if h[1] <= d)}" for d in OPEN_BY))
    print(f"{len(schools)} schools: {counts['primary']} primary, {counts['secondary']} "
          f"secondary, in {len(hub_of.keys() & set(s['la'] for s in schools))} LAs")
    print("skipped rows: " + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())))
    print("imputed: " + (", ".join(f"{k} {v}" for k, v in sorted(imputed.items())) or "none"))


def college_counts(secondary_per_hub, total):
    """`total` colleges over hubs in proportion to their secondary schools (largest
    remainder; ties to the hub listed first)."""
    n = sum(secondary_per_hub.values())
    exact = {h: total * k / n for h, k in secondary_per_hub.items()}
    counts = {h: int(x) for h, x in exact.items()}
    order = sorted(exact, key=lambda h: -(exact[h] - counts[h]))
    for h in order[:total - sum(counts.values())]:
        counts[h] += 1
    return counts


def write_colleges(path, schools, hub_of, names):
    secondary = collections.defaultdict(list)
    for s in schools:
        if s["phase"] == "secondary":
            secondary[hub_of[s["la"]]].append(min(1.0, max(0.0, s["disadvantage"] / 100)))
    counts = college_counts({h: len(secondary[h]) for h in names}, COLLEGES)
    urn = COLLEGE_URN
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["urn", "la", "hub", "phase", "pupils", "disadvantage"])
        for hub in names:
            dis = sum(secondary[hub]) / len(secondary[hub])
            for _ in range(counts[hub]):
                w.writerow([urn, "", hub, "post16", 0, f"{dis:.4f}".rstrip("0").rstrip(".")])
                urn += 1


if __name__ == "__main__":
    main()
