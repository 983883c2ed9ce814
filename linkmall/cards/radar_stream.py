"""The radar as Server-Sent Events: `text/event-stream`, one `id:` + `data: <json>` per line.

How it holds up under gunicorn's gthread worker (config/gunicorn.conf.py): a stream occupies one
worker thread for its whole life, so a stream is short (RADAR_STREAM_SECONDS, 25 s by default)
and then ends with a `retry:` the browser obeys to reconnect, resuming from the last `id:` it
saw (EventSource sends it back as Last-Event-ID). One process holds at most RADAR_MAX_STREAMS
streams at once — by default WEB_THREADS - 2 (2 with the default 4 threads), leaving two threads
for ordinary requests. A stream that finds no free slot does not wait: it sends what is new
since the cursor, closes at once and asks the browser to come back after RADAR_BUSY_RETRY_MS,
so an overloaded worker degrades the radar into polling instead of starving the shop. To watch
more guides live, raise WEB_THREADS (threads are cheap while they sleep) or add workers.

Polling is cheap on purpose: "events of these guides with id > N" is one range scan of the
event_guide_feed index, once per RADAR_POLL_SECONDS (1 s), and returns nothing almost always.
An idle stream sends a heartbeat comment every RADAR_HEARTBEAT_SECONDS so proxies keep it open.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import SupportsInt

from django.conf import settings
from django.utils import translation

from linkmall.cards.radar import RadarScope, radar_last_id, radar_since

DEFAULTS = {
    "RADAR_STREAM_SECONDS": 25.0,
    "RADAR_POLL_SECONDS": 1.0,
    "RADAR_HEARTBEAT_SECONDS": 10.0,
    "RADAR_RETRY_MS": 1000,
    "RADAR_BUSY_RETRY_MS": 5000,
}


def option(name: str):
    return settings.LINKMALL.get(name, DEFAULTS.get(name))


def max_streams() -> int:
    configured = settings.LINKMALL.get("RADAR_MAX_STREAMS")
    if configured:
        if not isinstance(configured, str | SupportsInt):  # settings.LINKMALL also holds other things
            raise TypeError(f"settings.LINKMALL['RADAR_MAX_STREAMS'] must be a whole number, not {configured!r}.")
        return int(configured)
    return max(1, int(os.environ.get("WEB_THREADS", "4")) - 2)


class StreamSlots:
    """A process-wide count of open streams, refused (not queued) when full."""

    def __init__(self):
        self._lock = threading.Lock()
        self.open = 0

    def take(self, limit: int) -> bool:
        with self._lock:
            if self.open >= limit:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.open -= 1


slots = StreamSlots()


def parse_cursor(*, last_event_id: str | None, after: str | None) -> int | None:
    """The id to resume after: Last-Event-ID wins (a reconnect), then ?after=. None: from now on."""
    for raw in (last_event_id, after):
        if raw is not None and raw.strip().isdigit() and len(raw.strip()) <= 18:
            return int(raw.strip())
    return None


def sse_item(item: dict) -> str:
    return f"id: {item['id']}\ndata: {json.dumps(item, ensure_ascii=False, separators=(',', ':'))}\n\n"


def radar_stream(*, scope: RadarScope, after: int | None, language: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """The stream's text, chunk by chunk, in `language` (the request's: the chunks are made after
    the view has returned, when the thread's language is no longer the request's)."""
    chunks = _chunks(scope=scope, after=after, sleep=sleep, monotonic=monotonic)
    try:
        while True:
            with translation.override(language):
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
            yield chunk
    finally:
        chunks.close()  # a closed connection releases the stream's slot now, not at garbage collection


def _chunks(*, scope: RadarScope, after: int | None, sleep: Callable[[float], None],
            monotonic: Callable[[], float]) -> Generator[str, None, None]:
    """The database is read only when the consumer asks for the next chunk, so a closed
    connection stops the polling at once."""
    if after is None:
        after = radar_last_id(scope=scope)
    if not slots.take(max_streams()):
        yield f"retry: {int(option('RADAR_BUSY_RETRY_MS'))}\n: busy\n\n"
        for item in radar_since(scope=scope, after=after):
            yield sse_item(item)
        return
    try:
        yield f"retry: {int(option('RADAR_RETRY_MS'))}\n: radar {after}\n\n"
        started = last_sent = monotonic()
        ends_at = started + float(option("RADAR_STREAM_SECONDS"))
        poll = float(option("RADAR_POLL_SECONDS"))
        heartbeat = float(option("RADAR_HEARTBEAT_SECONDS"))
        while True:
            items = radar_since(scope=scope, after=after)
            for item in items:
                after = max(after, item["id"])
                yield sse_item(item)
            now = monotonic()
            if items:
                last_sent = now
            elif now - last_sent >= heartbeat:
                last_sent = now
                yield ": heartbeat\n\n"
            if now >= ends_at:
                return
            sleep(min(poll, max(0.0, ends_at - now)))
    finally:
        slots.give_back()
