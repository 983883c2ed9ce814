"""A seeded, vectorised synthetic merchant world with real signal in it.

Every customer has latent interests (a sparse Dirichlet over categories), a latent purchase
propensity (Gamma), an activity level (events they produce), an influence (how often others
come through their share links), an arrival time and a lifetime. Behaviour follows from those:

* product views pick a category from the customer's interests (15 % exploration from global
  popularity) and a product from that category by popularity, so item-item models have
  co-occurrence to learn;
* dwell is longer on products of the customer's favourite categories;
* every product view may convert into a purchase with a probability that rises with the
  propensity, the interest in the product's category and the dwell, so intent and
  recommendation models have something real to find;
* a third of customers arrived through a share: the sharer is an earlier customer chosen by
  influence (a heavy-tailed Pareto, so a few sharers bring many people), which gives a share
  tree with a share event of the sharer and a forward event of the recipient.

Times are integer seconds since `spec.start` (UTC midnight); everything is numpy arrays, so a
million customers with twenty million events take about twenty seconds (and 3 GB of memory),
and the same seed gives the same world.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

KINDS = ("card_view", "section_view", "product_view", "dwell", "share", "forward")
CARD_VIEW, SECTION_VIEW, PRODUCT_VIEW, DWELL, SHARE, FORWARD = range(len(KINDS))
SECTIONS = ("products", "about", "promotions", "contact")

DAY = 86_400
VISIT_GAP = 30 * 60  # a new visit after 30 minutes of silence, as tracking counts them
_CHUNK = 1_000_000


@dataclass(frozen=True)
class WorldSpec:
    customers: int
    events: int
    items: int = 200
    categories: int = 12
    stores: int = 3
    days: int = 365
    start: dt.date = dt.date(2025, 11, 1)
    seed: int = 7
    interest_concentration: float = 0.25  # Dirichlet alpha: smaller = more focused customers
    referred_share: float = 0.35

    def __post_init__(self) -> None:
        if self.customers < 1 or self.items < 1 or self.categories < 1 or self.stores < 1 or self.days < 1:
            raise ValueError("customers, items, categories, stores and days must be at least 1")
        if self.events < self.customers:
            raise ValueError("events must be at least the number of customers (each customer acts once)")
        if self.items < self.categories:
            raise ValueError("items must be at least the number of categories")


@dataclass
class World:
    spec: WorldSpec
    item_category: np.ndarray  # (items,) category index
    item_price_fen: np.ndarray  # (items,)
    interest: np.ndarray  # (customers, categories), rows sum to 1
    propensity: np.ndarray  # (customers,) latent purchase propensity, mean about 1
    influence: np.ndarray  # (customers,)
    home_store: np.ndarray  # (customers,)
    first_seen: np.ndarray  # (customers,) seconds since start
    referrer: np.ndarray  # (customers,) index of the customer who shared the link, -1 when none
    # events, sorted by customer then time
    ev_customer: np.ndarray
    ev_kind: np.ndarray
    ev_item: np.ndarray  # -1 when the event is not about a product
    ev_section: np.ndarray  # index into SECTIONS, -1 when none
    ev_store: np.ndarray
    ev_time: np.ndarray
    ev_dwell_ms: np.ndarray
    ev_visit: np.ndarray  # nth visit of the customer
    ev_shared_by: np.ndarray  # customer index, -1 when none
    # purchases, sorted by customer then time
    pu_customer: np.ndarray
    pu_item: np.ndarray
    pu_store: np.ndarray
    pu_time: np.ndarray
    pu_amount_fen: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def start_datetime(self) -> dt.datetime:
        return dt.datetime.combine(self.spec.start, dt.time(), tzinfo=dt.UTC)

    @property
    def share_sharer(self) -> np.ndarray:
        return self.referrer[self.referrer >= 0]

    @property
    def share_recipient(self) -> np.ndarray:
        return np.flatnonzero(self.referrer >= 0)


def generate(spec: WorldSpec, *, item_category: np.ndarray | None = None,
             item_price_fen: np.ndarray | None = None) -> World:
    """The world of `spec`; a real catalogue's categories (indexes < spec.categories, each used at
    least once) and prices (fen) may be given, one per item, instead of drawn ones."""
    rng = np.random.default_rng(spec.seed)
    n, c, horizon = spec.customers, spec.categories, spec.days * DAY

    # --- items: every category has products; popularity is log-normal (a few hits)
    drawn_category = rng.permutation(np.arange(spec.items) % c).astype(np.int32)
    item_pop = rng.lognormal(0.0, 1.0, spec.items)
    drawn_price = np.maximum((np.round(rng.lognormal(np.log(120.0), 0.6, spec.items)) * 100).astype(np.int64), 100)
    if item_category is not None:
        item_category = np.asarray(item_category, dtype=np.int32)
        if item_category.shape != (spec.items,) or set(np.unique(item_category).tolist()) != set(range(c)):
            raise ValueError("item_category needs one category per item and every category used")
    else:
        item_category = drawn_category
    if item_price_fen is not None:
        item_price_fen = np.asarray(item_price_fen, dtype=np.int64)
        if item_price_fen.shape != (spec.items,) or item_price_fen.min() <= 0:
            raise ValueError("item_price_fen needs one positive price per item")
    else:
        item_price_fen = drawn_price
    # items grouped by category; the cumulative popularity of category k runs from k to k+1,
    # so `searchsorted(cdf, k + u)` draws a product of category k by popularity in one call
    by_cat = np.lexsort((np.arange(spec.items), item_category))
    cat_of_sorted = item_category[by_cat]
    pop_sorted = item_pop[by_cat]
    cat_total = np.bincount(cat_of_sorted, weights=pop_sorted, minlength=c)
    cdf = cat_of_sorted + (np.cumsum(pop_sorted) - np.concatenate(([0.0], np.cumsum(cat_total)))[cat_of_sorted]) \
        / cat_total[cat_of_sorted]
    global_cdf = np.cumsum(item_pop) / item_pop.sum()

    # --- customers, in order of arrival (so a referrer is always an earlier customer)
    interest = rng.dirichlet(np.full(c, spec.interest_concentration), size=n).astype(np.float32)
    propensity = rng.gamma(2.0, 0.5, n)
    activity = rng.lognormal(0.0, 0.8, n)
    influence = rng.pareto(1.3, n) + 0.05
    first_seen = np.sort(rng.integers(0, int(horizon * 0.8), n)).astype(np.int64)
    lifetime = rng.exponential(horizon * 0.5, n).astype(np.int64) + DAY
    last_seen = np.minimum(first_seen + lifetime, horizon - 1)
    home_store = rng.integers(0, spec.stores, n).astype(np.int32)

    referred = (rng.random(n) < spec.referred_share) & (np.arange(n) > 0)
    max_edges = (spec.events - n) // 2  # each edge costs a share and a forward event
    if referred.sum() > max_edges:
        keep = rng.permutation(np.flatnonzero(referred))[:max_edges]
        referred = np.zeros(n, dtype=bool)
        referred[keep] = True
    referrer = np.full(n, -1, dtype=np.int64)
    recipients = np.flatnonzero(referred)
    if len(recipients):
        cum_influence = np.cumsum(influence)
        drawn = rng.random(len(recipients)) * cum_influence[recipients - 1]
        referrer[recipients] = np.minimum(np.searchsorted(cum_influence, drawn, side="right"), recipients - 1)
        home_store[recipients] = home_store[referrer[recipients]]  # shares spread around one store

    # --- base events: every customer acts at least once, the rest by activity
    n_edges = len(recipients)
    rest = spec.events - 2 * n_edges - n
    counts = 1 + rng.multinomial(rest, activity / activity.sum()) if rest > 0 else np.ones(n, dtype=np.int64)
    cust = np.repeat(np.arange(n, dtype=np.int64), counts)
    m = len(cust)
    # visits: about three events per visit, each visit starting somewhere in the customer's lifetime
    sessions = np.maximum(1, np.round(counts / 3.0)).astype(np.int64)
    session_offset = np.concatenate(([0], np.cumsum(sessions)[:-1]))
    session_start = np.repeat(first_seen, sessions) + (
        rng.random(int(sessions.sum())) * np.repeat(last_seen - first_seen, sessions)).astype(np.int64)
    session_of_event = session_offset[cust] + (rng.random(m) * sessions[cust]).astype(np.int64)
    ev_time = session_start[session_of_event] + rng.integers(0, 600, m)

    ev_kind = rng.choice(4, size=m, p=[0.18, 0.12, 0.55, 0.15]).astype(np.int8)
    ev_item = np.full(m, -1, dtype=np.int64)
    ev_dwell = np.zeros(m, dtype=np.int64)
    views = np.flatnonzero(ev_kind == PRODUCT_VIEW)
    affinity = np.empty(len(views), dtype=np.float64)
    for lo in range(0, len(views), _CHUNK):
        idx = views[lo:lo + _CHUNK]
        who = cust[idx]
        u = rng.random(len(idx))
        cat = np.minimum((np.cumsum(interest[who], axis=1) < u[:, None]).sum(axis=1), c - 1)
        item = by_cat[np.minimum(np.searchsorted(cdf, cat + rng.random(len(idx)), side="right"), spec.items - 1)]
        explore = rng.random(len(idx)) < 0.15
        item[explore] = np.minimum(np.searchsorted(global_cdf, rng.random(int(explore.sum()))), spec.items - 1)
        ev_item[idx] = item
        affinity[lo:lo + len(idx)] = interest[who, item_category[item]]
    # longer dwell on favourite categories: engagement carries the interest signal too
    ev_dwell[views] = np.round(rng.lognormal(np.log(12_000) + 1.2 * affinity, 0.7))
    dwells = np.flatnonzero(ev_kind == DWELL)
    ev_dwell[dwells] = np.round(rng.lognormal(np.log(40_000), 0.8, len(dwells)))
    ev_dwell = np.minimum(ev_dwell, 3_600_000)
    ev_section = np.full(m, -1, dtype=np.int8)
    section_events = ev_kind == SECTION_VIEW
    ev_section[section_events] = rng.integers(0, len(SECTIONS), int(section_events.sum()))
    ev_store = home_store[cust].copy()
    elsewhere = rng.random(m) < 0.1
    ev_store[elsewhere] = rng.integers(0, spec.stores, int(elsewhere.sum()))
    ev_shared_by = np.full(m, -1, dtype=np.int64)

    # --- purchases: a product view converts with propensity x interest x dwell
    logit = (-4.6 + 1.1 * np.log(propensity[cust[views]]) + 3.0 * affinity
             + 0.5 * np.log(ev_dwell[views] / 12_000.0))
    bought = views[rng.random(len(views)) < 1.0 / (1.0 + np.exp(-logit))]
    pu_time = ev_time[bought] + rng.exponential(6 * 3600, len(bought)).astype(np.int64)
    in_window = pu_time < horizon
    bought, pu_time = bought[in_window], pu_time[in_window]
    spend = rng.gamma(2.0, 0.5, n)  # a customer's own basket size (mean 1), for Gamma-Gamma
    quantity = 1 + rng.poisson(0.3, len(bought))
    pu_amount = np.maximum(100, np.round(item_price_fen[ev_item[bought]] * quantity * spend[cust[bought]]))

    # --- the share tree: sharer shares shortly before the recipient opens the link
    share_time = np.maximum(first_seen[recipients] - rng.integers(60, 3600, n_edges), first_seen[referrer[recipients]])
    all_cust = np.concatenate((cust, referrer[recipients], recipients))
    all_kind = np.concatenate((ev_kind, np.full(n_edges, SHARE, np.int8), np.full(n_edges, FORWARD, np.int8)))
    all_time = np.concatenate((ev_time, share_time, first_seen[recipients]))
    no_item = np.full(n_edges, -1, dtype=np.int64)
    all_item = np.concatenate((ev_item, no_item, no_item))
    all_section = np.concatenate((ev_section, np.full(2 * n_edges, -1, np.int8)))
    all_store = np.concatenate((ev_store, home_store[referrer[recipients]], home_store[recipients]))
    all_dwell = np.concatenate((ev_dwell, np.zeros(2 * n_edges, np.int64)))
    all_shared_by = np.concatenate((ev_shared_by, no_item, referrer[recipients]))

    order = np.lexsort((all_time, all_cust))
    all_cust, all_time = all_cust[order], all_time[order]
    new_visit = np.ones(len(order), dtype=bool)
    new_visit[1:] = (all_cust[1:] != all_cust[:-1]) | (np.diff(all_time) > VISIT_GAP)
    running = np.cumsum(new_visit)
    first_of_customer = np.ones(len(order), dtype=bool)
    first_of_customer[1:] = all_cust[1:] != all_cust[:-1]
    visit = running - np.maximum.accumulate(np.where(first_of_customer, running, 0)) + 1

    purchase_order = np.lexsort((pu_time, cust[bought]))
    return World(
        spec=spec, item_category=item_category, item_price_fen=item_price_fen, interest=interest,
        propensity=propensity, influence=influence, home_store=home_store, first_seen=first_seen,
        referrer=referrer,
        ev_customer=all_cust.astype(np.int32), ev_kind=all_kind[order], ev_item=all_item[order].astype(np.int32),
        ev_section=all_section[order], ev_store=all_store[order].astype(np.int16), ev_time=all_time,
        ev_dwell_ms=all_dwell[order].astype(np.int32), ev_visit=visit.astype(np.int32),
        ev_shared_by=all_shared_by[order].astype(np.int32),
        pu_customer=cust[bought][purchase_order].astype(np.int32),
        pu_item=ev_item[bought][purchase_order].astype(np.int32),
        pu_store=ev_store[bought][purchase_order].astype(np.int16), pu_time=pu_time[purchase_order],
        pu_amount_fen=pu_amount[purchase_order].astype(np.int64),
    )
