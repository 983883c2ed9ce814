"""Child process: migrate the bench database, load a small demo mall, and say what to request.

Prints one JSON line: the page paths of a store home, a product page and a checkout page, and a
consumer's session cookie (the checkout page needs a logged-in buyer with a cart).
"""

import json
import sys

from bench._django import setup


def main() -> None:
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from linkmall.demo.services import demo_load
    from linkmall.orders.services import cart_add
    from linkmall.stores.models import Listing, Store

    call_command("migrate", verbosity=0, interactive=False)
    world = demo_load(consumers=int(sys.argv[1]) if len(sys.argv) > 1 else 120, seed=7, days=14)
    store = Store.objects.order_by("pk").first()
    if store is None:
        raise RuntimeError("the demo mall has no store to benchmark")
    listings = list(Listing.objects.filter(merchant_id=store.merchant_id, is_active=True).order_by("pk")[:3])
    buyer, _address = world.consumers[0]
    for listing in listings:
        cart_add(user=buyer, listing=listing, quantity=1)
    client = Client()
    client.force_login(buyer)
    from bench.pages import page_paths

    print(json.dumps({
        "paths": page_paths(store=store, listing=listings[0]),
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "counts": world.counts,
    }))


if __name__ == "__main__":
    main()
