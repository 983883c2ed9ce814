"""An activity's price for one checkout line (docs/specs/campaigns.md §1 step 2), as a caller hands it
to `orders.order_place`: a flash sale's, a bargain's or a group buy's."""

from dataclasses import dataclass

from linkmall.campaigns.pricing import Funder


@dataclass(frozen=True)
class ActivityLine:
    """The line of `listing_id` is priced at `unit_fen` a unit (A = unit_fen × quantity).

    `own_stock`: the activity holds its units in its own stock (taken from the SKU when it
    started), so checkout takes no SKU stock for the line and a cancelled order gives the units
    back to the activity, not to the SKU. `payment_minutes`: the order's payment window instead of
    the normal one. `rewards`: whether the line pays referral rewards (§3).
    """

    #: what kind of activity: "flash", "bargain" or "group", stored on the order line
    kind: str
    listing_id: int
    unit_fen: int
    funder: Funder = "merchant"
    own_stock: bool = True
    payment_minutes: int | None = None
    rewards: bool = False
