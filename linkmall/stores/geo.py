"""Coordinates in China: WGS-84 (GPS, navigator.geolocation) and GCJ-02 (Chinese map services).

Stores are kept in GCJ-02, the datum every Chinese map (Amap, Tencent, WeChat) shows; a browser's
navigator.geolocation answers in WGS-84, hundreds of metres away. The public GCJ-02 offset
formula (on the Krasovsky 1940 ellipsoid) turns WGS-84 into GCJ-02; it has no closed inverse, so
GCJ-02 → WGS-84 iterates the forward transform until it lands within a millimetre. Outside
mainland China's bounding box GCJ-02 equals WGS-84.
"""

import math

#: mean Earth radius of IUGG, for distances
EARTH_RADIUS_M = 6_371_008.8
#: semi-major axis and eccentricity² of the Krasovsky 1940 ellipsoid the offset is defined on
_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.00669342162296594323
#: GCJ-02 → WGS-84 stops when the forward transform of the guess lands this close (degrees ≈ 1 mm)
_INVERSE_TOLERANCE_DEG = 1e-8
_INVERSE_MAX_STEPS = 30


def outside_china(lat: float, lng: float) -> bool:
    """The rough box outside which no offset applies (the same box every implementation uses)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return value


def _offset_lng(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return value


def _offset(lat: float, lng: float) -> tuple[float, float]:
    """(Δlat, Δlng) in degrees that GCJ-02 adds to a WGS-84 point."""
    d_lat = _offset_lat(lng - 105.0, lat - 35.0)
    d_lng = _offset_lng(lng - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in GCJ-02 of a WGS-84 point; unchanged outside China."""
    if outside_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in WGS-84 of a GCJ-02 point, by fixed-point iteration of the forward transform."""
    if outside_china(lat, lng):
        return lat, lng
    guess_lat, guess_lng = lat, lng
    for _ in range(_INVERSE_MAX_STEPS):
        forward_lat, forward_lng = wgs84_to_gcj02(guess_lat, guess_lng)
        err_lat, err_lng = forward_lat - lat, forward_lng - lng
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lng) < _INVERSE_TOLERANCE_DEG:
            break
        guess_lat, guess_lng = guess_lat - err_lat, guess_lng - err_lng
    return guess_lat, guess_lng


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres. On GCJ-02 coordinates the error is a few hundred metres at most,
    which is fine for "which store is nearest"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))
