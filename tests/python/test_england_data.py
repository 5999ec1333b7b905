"""Checks the England baseline's data files (scenarios/england), as tools/build_england.py
writes them or as a planner replaces them. Reads only the files in scenarios/england."""

import collections
import csv
import datetime
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "england"

REGIONS = {"North East", "North West", "Yorkshire and The Humber", "East Midlands",
           "West Midlands", "East of England", "London", "South East", "South West"}

# Hubs whose area is published (scenarios/england/README.md): exactly these LAs.
PUBLISHED = {
    "Archimedes NE": {"County Durham", "Darlington", "Hartlepool", "Middlesbrough",
                      "Redcar and Cleveland", "Stockton-on-Tees"},
    "Yorkshire & the Humber": {"Kirklees", "Wakefield", "Kingston Upon Hull, City of",
                               "North Lincolnshire", "North East Lincolnshire"},
    "North West Three": {"Knowsley", "Liverpool", "Sefton", "St. Helens", "Wigan"},
    "East Midlands South": {"Leicester", "Leicestershire", "Northamptonshire", "Rutland"},
    "Matrix": {"Hertfordshire", "Central Bedfordshire"},
    "Essex, Southend & Thurrock": {"Essex", "Southend-on-Sea", "Thurrock"},
    "Warwickshire, Solihull & Coventry": {"Warwickshire", "Solihull", "Coventry"},
    "Central South": {"Wiltshire", "Swindon", "West Berkshire", "Reading", "Wokingham",
                      "Bracknell Forest"},
    "Cheshire & Wirral": {"Cheshire East", "Cheshire West & Chester", "Halton", "Wirral"},
}

# The only hub whose published area straddles two regions.
CROSS_REGION = {"Central South"}


def read(name):
    with open(DATA / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def hubs():
    header, rows = read("hubs.csv")
    assert header == ["name", "region", "opens"]
    return rows


@pytest.fixture(scope="module")
def hub_map():
    header, rows = read("hub_map.csv")
    assert header == ["la", "la_name", "region", "hub"]
    return rows


@pytest.fixture(scope="module")
def schools():
    header, rows = read("schools.csv")
    assert header == ["urn", "la", "hub", "phase", "pupils", "disadvantage"]
    return rows


def test_forty_hubs_with_unique_names_and_regions(hubs):
    names = [h["name"] for h in hubs]
    assert len(hubs) == 40
    assert len(set(names)) == 40
    assert all(h["name"].strip() == h["name"] and h["name"] for h in hubs)
    assert {h["region"] for h in hubs} == REGIONS


def test_opening_counts(hubs):
    opens = [datetime.date.fromisoformat(h["opens"]) for h in hubs]
    by = lambda y, m, d: sum(1 for o in opens if o <= datetime.date(y, m, d))
    assert by(2014, 7, 1) == 32
    assert by(2015, 9, 1) == 35
    assert by(2019, 9, 1) == 37
    assert by(2020, 9, 1) == 40


def test_every_la_in_exactly_one_known_hub(hubs, hub_map):
    names = {h["name"] for h in hubs}
    las = [r["la"] for r in hub_map]
    assert len(las) == len(set(las))
    assert all(r["hub"] in names for r in hub_map)
    assert all(r["region"] in REGIONS for r in hub_map)
    assert {r["hub"] for r in hub_map} == names  # no hub without an LA


def test_every_school_in_a_known_hub_and_its_las_hub(hubs, hub_map, schools):
    names = {h["name"] for h in hubs}
    hub_of = {r["la"]: r["hub"] for r in hub_map}
    assert all(s["hub"] in names for s in schools)
    assert all(hub_of.get(s["la"]) == s["hub"] for s in schools)
    assert {s["la"] for s in schools} == set(hub_of)  # hub_map lists the LAs with schools


def test_school_counts_and_values(schools):
    # The census has 16,769 primary and 3,448 secondary schools: the DfE's published
    # 16,770 and 3,449 include one national total row each.
    phases = collections.Counter(s["phase"] for s in schools)
    assert phases == {"primary": 16769, "secondary": 3448}
    urns = [int(s["urn"]) for s in schools]
    assert urns == sorted(urns) and len(set(urns)) == len(urns)
    for s in schools:
        assert int(s["pupils"]) >= 0
        assert 0.0 <= float(s["disadvantage"]) <= 1.0
    pupils = sum(int(s["pupils"]) for s in schools)
    assert 7_000_000 < pupils < 9_000_000


def test_hub_regions_match_their_las(hubs, hub_map, schools):
    region_of_hub = {h["name"]: h["region"] for h in hubs}
    la_region = {r["la"]: r["region"] for r in hub_map}
    per_hub = collections.defaultdict(collections.Counter)
    for s in schools:
        per_hub[s["hub"]][la_region[s["la"]]] += 1
    for hub, regions in per_hub.items():
        if hub not in CROSS_REGION:
            assert set(regions) == {region_of_hub[hub]}, hub
        assert regions.most_common(1)[0][0] == region_of_hub[hub], hub


def test_published_areas(hub_map):
    las = collections.defaultdict(set)
    for r in hub_map:
        las[r["hub"]].add(r["la_name"])
    for hub, area in PUBLISHED.items():
        assert las[hub] == area, hub


def test_hubs_of_similar_size(schools):
    sizes = collections.Counter(s["hub"] for s in schools)
    assert 400 <= sum(sizes.values()) / len(sizes) <= 600
    assert min(sizes.values()) >= 250 and max(sizes.values()) <= 800
