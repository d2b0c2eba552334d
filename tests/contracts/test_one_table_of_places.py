"""Matching and the catalogue place people and cohorts with one table of municipalities: a
demand from a municipality the catalogue searches in can always be posted (the two copies had
drifted: matching lacked five of the catalogue's 25 municipalities, Purmerend among them)."""

from __future__ import annotations

from catalogue.domain import geo
from matching.domain import places
from matching.schemas import Located


def test_matching_knows_every_municipality_the_catalogue_searches_in():
    assert {p.municipality for p in places.PLACES} == {p.municipality for p in geo.PLACES}
    assert places.REGIONS == geo.REGIONS
    assert all(places.place(p.municipality) == p for p in geo.PLACES)


def test_distances_are_the_same_kilometres_on_both_sides():
    from matching.domain.geo import haversine_km

    almere, purmerend = geo.place_of_municipality("Almere"), geo.place_of_municipality("Purmerend")
    assert almere and purmerend
    kilometres = haversine_km(almere.lat, almere.lon, purmerend.lat, purmerend.lon)
    assert kilometres == geo.haversine_km(almere.lat, almere.lon, purmerend.lat, purmerend.lon)
    assert 20 < kilometres < 30


def test_a_demand_or_candidate_in_purmerend_is_placed_without_coordinates():
    purmerend = geo.place_of_municipality("Purmerend")
    assert purmerend
    assert Located(municipality="Purmerend").coordinates() == (purmerend.lat, purmerend.lon)
