"""The published API description names each schema once, so the docs show the body each operation reads."""

from collections import defaultdict

from ninja import Schema

from config.api import api


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_request_or_response_schemas_share_a_name():
    components = api.get_openapi_schema()["components"]["schemas"]
    by_name = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("linkmall."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in by_name.items() if name in components and len(paths) > 1}
    assert clashes == {}
