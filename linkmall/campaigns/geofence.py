"""地理围栏券: a coupon template that only visitors within `geofence_radius_m` metres of one of the
merchant's stores (`geofence_store`) may claim (docs/o2o.md "Geofenced offers").

The visitor's location is a GCJ-02 point, the datum stores are kept in (a browser's WGS-84 one is
converted first, `stores.selectors.gcj02_point`); the distance is the great-circle one
(`stores.geo.haversine_m`), the same the nearby list shows. The claim services call `geofence_check`
before they take a coupon from the template, so a refusal issues nothing.
"""

from linkmall.campaigns.models import CouponTemplate
from linkmall.core.errors import InvalidInput, PermissionDenied
from linkmall.stores.geo import haversine_m
from linkmall.stores.models import Store


def geofence_distance_m(*, store: Store, latitude: float, longitude: float) -> float:
    """Metres from a GCJ-02 point to the store."""
    return haversine_m(latitude, longitude, float(store.latitude), float(store.longitude))


def geofence_inside(template: CouponTemplate, distance_m: float) -> bool:
    return template.geofence_radius_m is not None and distance_m <= template.geofence_radius_m


def geofence_check(*, template: CouponTemplate, point: tuple[float, float] | None) -> None:
    """Refuse a claim of a geofenced template without the visitor's location
    (`geofence_location_required`) or from farther than its radius (`geofence_outside`, with the
    distance and the radius in the detail). A template without a geofence passes."""
    if template.geofence_store_id is None:
        return
    detail = {"template_id": template.pk, "store_id": template.geofence_store_id,
              "radius_m": template.geofence_radius_m}
    if point is None:
        raise InvalidInput("This coupon can be claimed only near its store: send your location (lat, lng).",
                           code="geofence_location_required", detail=detail)
    store = Store.objects.only("latitude", "longitude").get(pk=template.geofence_store_id)
    distance = geofence_distance_m(store=store, latitude=point[0], longitude=point[1])
    if not geofence_inside(template, distance):
        raise PermissionDenied("You are too far from the store to claim this coupon.", code="geofence_outside",
                               detail={**detail, "distance_m": round(distance)})
