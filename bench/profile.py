"""`python -m bench.profile PATH [N]`: where one page's time goes, measured in this process.

Runs against the database of the environment (e.g. LINKMALL_VAR_DIR=var/bench after a bench
run), with the page cache cleared before every request so the real work is measured. Prints
CPU ms per request, the SQL queries and their time, and a pyinstrument call tree.
A logged-in page (e.g. /checkout/) is requested as the first consumer who has a cart.
"""

import sys
import time

from bench._django import setup


def main() -> None:
    setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from linkmall.orders.models import CartLine

    path = sys.argv[1] if len(sys.argv) > 1 else "/"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    client = Client()
    line = CartLine.objects.order_by("pk").first()
    if line is not None:
        client.force_login(line.user)
    client.get(path)  # warm up: imports, template loading

    queries: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - started)

    cpu = time.process_time()
    with connection.execute_wrapper(timed):
        for _ in range(count):
            cache.clear()
            status = client.get(path).status_code
    cpu_ms = (time.process_time() - cpu) * 1000 / count
    print(f"{path}: status {status}, {cpu_ms:.2f} CPU ms per request, {len(queries) / count:.1f} queries "
          f"taking {sum(queries) * 1000 / count:.2f} ms per request (page cache cleared each time)")
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pip install pyinstrument for a call tree")
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(count):
        cache.clear()
        client.get(path)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
