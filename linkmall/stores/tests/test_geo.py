"""WGS-84 ↔ GCJ-02 against published reference pairs, and distances."""

import pytest

from linkmall.stores.geo import gcj02_to_wgs84, haversine_m, outside_china, wgs84_to_gcj02

#: (WGS-84 lat, lng, GCJ-02 lat, lng) published with the open-source eviltransform / coordtransform libraries
REFERENCE_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),  # Beijing, Tiananmen
]


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), REFERENCE_PAIRS)
def test_wgs84_to_gcj02_matches_the_published_pair_within_a_centimetre(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = wgs84_to_gcj02(wgs_lat, wgs_lng)

    assert haversine_m(lat, lng, gcj_lat, gcj_lng) < 0.01


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), REFERENCE_PAIRS)
def test_gcj02_back_to_wgs84_lands_within_a_metre_of_the_original(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = gcj02_to_wgs84(gcj_lat, gcj_lng)

    assert haversine_m(lat, lng, wgs_lat, wgs_lng) < 1.0
    assert haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(wgs_lat, wgs_lng)), wgs_lat, wgs_lng) < 1.0


def test_the_offset_in_hangzhou_is_hundreds_of_metres_as_every_map_shows():
    wgs = (30.2741, 120.1551)  # West Lake

    assert 400 < haversine_m(*wgs, *wgs84_to_gcj02(*wgs)) < 700


def test_points_outside_china_are_not_moved():
    for point in [(51.5007, -0.1246), (35.6586, 139.7454), (40.6892, -74.0445), (-33.8568, 151.2153)]:
        assert outside_china(*point)
        assert wgs84_to_gcj02(*point) == point
        assert gcj02_to_wgs84(*point) == point


def test_haversine_measures_known_distances():
    assert haversine_m(30.0, 120.0, 30.0, 120.0) == 0.0
    # one degree of latitude is 111.2 km on the mean sphere
    assert round(haversine_m(30.0, 120.0, 31.0, 120.0)) == 111_195
    # Beijing (Tiananmen) to Shanghai (the Bund): about 1,067 km
    assert 1_060_000 < haversine_m(39.9087, 116.3975, 31.2400, 121.4900) < 1_075_000
