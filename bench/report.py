"""The markdown table `python -m bench` prints, with the targets it is measured against."""

TARGETS = {
    "checkout_queries": 25,  # order_place: at most this, and not growing with lines
    "product_rps_sqlite": 2500,
    "product_p99_ms_sqlite": 30,
    "place_and_pay_pg": 400,  # orders/s
    "layering_s": 60,  # recompute of 1,000,000 customers and 20,000,000 events
}


def markdown(results: dict) -> str:
    out = [f"# LinkMall bench — {results['when']} — {results['machine']['cpus']} CPUs, "
           f"Python {results['machine']['python']}", ""]
    out += ["## Checkout: SQL queries and place-and-pay throughput", "",
            "| database | lines | queries in order_place | queries place-and-pay | processes | orders/s |",
            "|---|---:|---:|---:|---:|---:|"]
    for backend, data in results["backends"].items():
        if data.get("skipped"):
            out.append(f"| {backend} | skipped | | | | |")
            continue
        for run in data["throughput"]:
            q = data["queries"].get(str(run["lines"]), {})
            out.append(f"| {backend} | {run['lines']} | {q.get('order_place', '')} | {q.get('place_and_pay', '')} "
                       f"| {run['workers']} | {run['orders_per_s']} |")
    out += ["", "## Pages under load (loopback, gunicorn)", "",
            "| database | page | concurrency | req/s | p50 ms | p99 ms | requests | not 200 | tool |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for backend, data in results["backends"].items():
        for page in data.get("pages", []):
            if page.get("missing"):
                out.append(f"| {backend} | {page['page']} (no such page yet) | | | | | | | |")
                continue
            out.append(f"| {backend} | {page['page']} `{page['path']}` | {page['concurrency']} | {page['rps']} "
                       f"| {page['p50_ms']} | {page['p99_ms']} | {page['requests']} | {page['errors']} "
                       f"| {page['tool']} |")
    from bench.referral import referral_markdown

    out += referral_markdown(results)
    out += customers_markdown(results)
    out += campaigns_markdown(results)
    from bench.flash import flash_markdown

    out += flash_markdown(results)
    from bench.nearby import nearby_markdown, nearby_verdicts

    out += nearby_markdown(results)
    from bench.redeem import redeem_markdown

    out += redeem_markdown(results)
    out += ["", "## Against the targets", ""]
    from bench.flash import flash_verdicts

    out += _verdicts(results) + flash_verdicts(results) + nearby_verdicts(results)
    return "\n".join(out)


def customers_markdown(results: dict) -> list[str]:
    if not any(data.get("customers") for data in results["backends"].values()):
        return []  # --no-customers
    out = ["", "## Cards and customers", "",
           "| database | measure | value |", "|---|---|---|"]
    for backend, data in results["backends"].items():
        parts = data.get("customers")
        if not parts:
            continue
        for run in parts["ingest"]["runs"]:
            out.append(f"| {backend} | event ingest, batches of {run['batch']} (API, {parts['ingest']['concurrency']} "
                       f"clients) | {run['events_per_s']} events/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms |")
        radar = parts["radar"]
        out.append(f"| {backend} | radar latency, beacon post → guide's event stream ({radar['events']} events, "
                   f"{radar['lost']} lost) | p50 {radar['latency_ms']['p50']} ms, p99 {radar['latency_ms']['p99']} ms |")
        cards = parts["cards"]
        out.append(f"| {backend} | card page ({cards['card_page']['queries']} queries) | {cards['card_page']['ms']} ms |")
        out.append(f"| {backend} | bookings one after another | {cards['booking']['per_s']}/s |")
        out.append(f"| {backend} | booking race: {cards['race']['threads']} threads, capacity 3 | "
                   f"{cards['race']['seats_taken']} seats for {cards['race']['slots']} slots, overbooked: "
                   f"{cards['race']['overbooked']} |")
        layering = parts["layering"]
        out.append(f"| {backend} | layering data load: {layering['customers']:,} customers, {layering['events']:,} "
                   f"events | {layering['load_s']} s |")
        out.append(f"| {backend} | layering recompute, first / steady | {layering['recompute']['first_s']} s / "
                   f"{layering['recompute']['second_s']} s |")
    return out


def campaigns_markdown(results: dict) -> list[str]:
    if not any(data.get("campaigns") for data in results["backends"].values()):
        return []  # --no-campaigns
    out = ["", "## Campaigns: checkout with a coupon, points and a member level; the coupon claim burst", "",
           "| database | measure | value |", "|---|---|---|"]
    for backend, data in results["backends"].items():
        campaigns = data.get("campaigns")
        if not campaigns:
            continue
        level = "coupon + points + level 5 %" if campaigns["setup"]["level"] else "coupon + points (no member levels)"
        for lines, q in sorted(campaigns["queries"].items(), key=lambda item: int(item[0])):
            out.append(f"| {backend} | queries, {level}, {lines} line(s) | order_place {q['order_place']}, "
                       f"place-and-pay {q['place_and_pay']} |")
        for run in campaigns["throughput"]:
            out.append(f"| {backend} | place-and-pay, 3 lines, {'with' if run['coupon'] else 'without'} a coupon, "
                       f"{run['workers']} process(es) | {run['orders_per_s']} orders/s |")
        burst = campaigns.get("burst")
        if burst:
            out.append(f"| {backend} | claim burst: {burst['consumers']:,} claims (one per consumer, limit 1), "
                       f"{burst['clients']} clients, {burst['workers']} gunicorn workers, {burst['total']:,} coupons | "
                       f"{burst['claims_per_s']} claims/s, p50 {burst['p50_ms']} ms, p99 {burst['p99_ms']} ms; "
                       f"issued {burst['issued']:,} |")
    return out


def _verdicts(results: dict) -> list[str]:
    lines = []
    for backend, data in results["backends"].items():
        if data.get("skipped"):
            continue
        counts = [data["queries"][k]["order_place"] for k in sorted(data["queries"], key=int)]
        ok = max(counts) <= TARGETS["checkout_queries"] and len(set(counts)) == 1
        lines.append(f"- {backend}: checkout queries {counts} for {sorted(map(int, data['queries']))} lines — "
                     f"target ≤ {TARGETS['checkout_queries']} and flat: {'met' if ok else 'NOT met'}")
        campaigns = data.get("campaigns")
        if campaigns:
            counts = [campaigns["queries"][k]["order_place"] for k in sorted(campaigns["queries"], key=int)]
            ok = max(counts) <= TARGETS["checkout_queries"] and len(set(counts)) == 1
            lines.append(f"- {backend}: checkout queries with a coupon, points and a level {counts} for "
                         f"{sorted(map(int, campaigns['queries']))} lines — target ≤ {TARGETS['checkout_queries']} "
                         f"and flat: {'met' if ok else 'NOT met'}")
            burst = campaigns.get("burst")
            if burst:
                lines.append(f"- {backend}: claim burst issued {burst['issued']:,} of {burst['total']:,} — "
                             f"exactly the total: {'met' if burst['issued'] == burst['total'] else 'NOT met'}")
        layering = data.get("customers", {}).get("layering")
        if layering:
            worst = max(layering["recompute"]["first_s"], layering["recompute"]["second_s"])
            size = f"{layering['customers']:,} customers / {layering['events']:,} events"
            lines.append(f"- {backend}: layering recompute {worst} s for {size} — target < {TARGETS['layering_s']} s "
                         f"at 1,000,000 / 20,000,000: {'met' if worst < TARGETS['layering_s'] else 'NOT met'}")
        if backend == "postgresql":
            best = max((r["orders_per_s"] for r in data["throughput"]), default=0)
            lines.append(f"- postgresql: best place-and-pay {best} orders/s — target ≥ {TARGETS['place_and_pay_pg']}: "
                         f"{'met' if best >= TARGETS['place_and_pay_pg'] else 'NOT met'}")
        if backend == "sqlite":
            product = [p for p in data.get("pages", []) if p.get("page") == "product_page" and not p.get("missing")]
            if product:
                best = max(product, key=lambda p: p["rps"])
                ok = best["rps"] >= TARGETS["product_rps_sqlite"] and best["p99_ms"] <= TARGETS["product_p99_ms_sqlite"]
                lines.append(f"- sqlite: product page best {best['rps']} req/s, p99 {best['p99_ms']} ms at "
                             f"concurrency {best['concurrency']} — target ≥ {TARGETS['product_rps_sqlite']} req/s "
                             f"with p99 ≤ {TARGETS['product_p99_ms_sqlite']} ms: {'met' if ok else 'NOT met'}")
    return lines
