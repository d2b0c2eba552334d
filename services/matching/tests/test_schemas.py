"""The API's region values are the regions matching knows its places for."""

from typing import get_args

from matching.domain.places import PLACES, REGIONS
from matching.schemas import Region


def test_region_values_are_the_known_regions_in_their_order() -> None:
    assert list(get_args(Region)) == list(REGIONS)


def test_every_place_lies_in_a_region_the_api_accepts() -> None:
    assert {p.region for p in PLACES} <= set(get_args(Region))
