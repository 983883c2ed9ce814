"""No input gives a 500: every operation of the API, as each role (and nobody), with junk bodies,
junk query strings and junk ids, answers below 500, and every 4xx is the error body
{"code", "message", "detail"}.

The junk is made from each operation's own OpenAPI schema (every field of the wrong type, too
big, negative, odd Unicode, nested where a scalar belongs), plus bodies that are not JSON or not
an object at all. One object of every resource is seeded and the callers are that object's own
users, so a request gets past the tenant checks and into validation and the services.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linkmall import testing
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.accounts.tests.test_tenancy_matrix import Side, make_side, plan, png

pytestmark = pytest.mark.django_db

HUGE = 10**30
ODD_TEXT = "\x00\udbff\u202e😀" + "長" * 3
LONG_TEXT = "x" * 5000
ROLES = ("anonymous", "consumer", "supplier staff", "merchant owner", "platform")

# what a path parameter names, in the seeded world
SEEDED_IDS = {
    "product_id": lambda a: a.product.pk,
    "image_id": lambda a: a.image.pk,
    "sku_id": lambda a: a.sku.pk,
    "job_id": lambda a: a.import_job.pk,
    "store_id": lambda a: a.store.pk,
    "slug": lambda a: a.product.category.slug,
    "guide_id": lambda a: a.guide.pk,
    "listing_id": lambda a: a.listing.pk,
    "address_id": lambda a: a.address.pk,
    "reminder_id": lambda a: a.reminder.pk,
    "profile_id": lambda a: a.profile.pk,
    "tag_id": lambda a: a.tag.pk,
    "appointment_id": lambda a: a.appointment.pk,
    "question_id": lambda a: a.question.pk,
    "line_id": lambda a: a.cart_line.pk,
    "order_id": lambda a: a.order.pk,
    "fulfilment_id": lambda a: a.fulfilment.pk,
    "request_id": lambda a: a.aftersale.pk,
    "withdrawal_id": lambda a: a.withdrawal.pk,
    "plan_id": lambda a: plan().pk,
    "user_id": lambda a: a.consumer.pk,
    "merchant_id": lambda a: a.owner.tenant_id,
    "promotion_id": lambda a: a.campaign_promotion.pk,
    "template_id": lambda a: a.coupon_template.pk,
    "level_id": lambda a: _member_level(a.owner.tenant_id),
    "campaign_id": lambda a: _invite_campaign(a.owner.tenant_id),
    "prize_id": lambda a: a.gift_prize.pk,  # an invite gift waiting for its address
    "sale_id": lambda a: _flash_sale(a.listing),
    "ticket": lambda a: "1700000000000-0",  # a flash ticket's shape (orders.flash.TICKET); nobody's: 404
    "activity_id": lambda a: _bargain_activity(a.listing),
    "bargain_id": lambda a: _bargain(a.listing),
    "group_id": lambda a: _group(a.listing),
    "member_id": lambda a: _group(a.listing, member=True),
    # a campaign report's kind (orders.campaign_reports); its campaign_id is then the invite campaign's: 404
    "kind": lambda a: "promotion",
}


def _flash_sale(listing) -> int:
    """A running flash sale of the seeded merchant's listing (made on first use)."""
    from linkmall.campaigns.models import FlashSale
    from linkmall.core import clock

    sale = FlashSale.objects.filter(listing=listing).first() or FlashSale.objects.create(
        merchant_id=listing.merchant_id, listing=listing, name="秒杀", price_fen=1, stock=5, status="active",
        starts_at=clock.now() - timedelta(minutes=1), ends_at=clock.now() + timedelta(hours=1))
    return sale.pk


def _bargain_activity(listing) -> int:
    """A running bargain activity of the seeded merchant's listing (made on first use)."""
    from linkmall.campaigns.models import BargainActivity
    from linkmall.core import clock

    activity = BargainActivity.objects.filter(listing=listing).first() or BargainActivity.objects.create(
        merchant_id=listing.merchant_id, listing=listing, name="砍价", start_fen=listing.price_fen, floor_fen=1,
        helpers_needed=1, status="active", starts_at=clock.now() - timedelta(minutes=1),
        ends_at=clock.now() + timedelta(hours=1))
    return activity.pk


def _bargain(listing) -> int:
    """An open bargain on that activity (made on first use; its buyer is a consumer of its own)."""
    from linkmall import testing
    from linkmall.campaigns.models import Bargain
    from linkmall.core import clock

    activity_id = _bargain_activity(listing)
    bargain = Bargain.objects.filter(activity_id=activity_id).first() or Bargain.objects.create(
        activity_id=activity_id, buyer=testing.make_consumer(), start_fen=listing.price_fen, floor_fen=1,
        cuts=[listing.price_fen - 1], price_fen=listing.price_fen, expires_at=clock.now() + timedelta(hours=1))
    return bargain.pk


def _group(listing, *, member: bool = False) -> int:
    """An open group of a running group buy (拼团) of that listing with its leader's seat (made on
    first use); `member`: the seat's id."""
    from linkmall import testing
    from linkmall.campaigns.models import GroupBuy, GroupBuyGroup, GroupBuyMember
    from linkmall.core import clock

    activity = GroupBuy.objects.filter(listing=listing).first() or GroupBuy.objects.create(
        merchant_id=listing.merchant_id, listing=listing, name="拼团", size=2, price_fen=1, stock=5, held=1,
        status="active", starts_at=clock.now() - timedelta(minutes=1), ends_at=clock.now() + timedelta(hours=1))
    group = GroupBuyGroup.objects.filter(activity=activity).first()
    if group is None:
        leader = testing.make_consumer()
        group = GroupBuyGroup.objects.create(activity=activity, leader=leader, size=2, seats=1,
                                             deadline=clock.now() + timedelta(hours=1))
        GroupBuyMember.objects.create(group=group, buyer=leader, order_id=10**12 + group.pk, leader=True, unit_fen=1)
    return GroupBuyMember.objects.filter(group=group).get().pk if member else group.pk


def _invite_campaign(merchant_id: int) -> int:
    """A draft invite campaign of the seeded merchant (made on first use)."""
    from linkmall.campaigns.models import InviteCampaign

    campaign, _ = InviteCampaign.objects.get_or_create(merchant_id=merchant_id, name="邀好友")
    return campaign.pk


def _member_level(merchant_id: int) -> int:
    """The seeded merchant's member level (made on first use, again after a DELETE took it)."""
    from linkmall.campaigns.models import MemberLevel

    level, _ = MemberLevel.objects.get_or_create(merchant_id=merchant_id, name="金卡会员",
                                                 defaults={"threshold_fen": 100000, "percent_off": 5})
    return level.pk


# what no row is: zero, beyond 64 bits, not a number
JUNK_IDS = ("0", "39247694779243970560", "x")

JUNK_QUERY_VALUES = ("-1", str(HUGE), "x", "\x00", "", "2026-13-45", "1e999")

NOT_AN_OBJECT = {"no body": b"", "not JSON": b'{"a": ', "array": b"[]", "null": b"null", "string": b'"x"',
                 "deep nesting": b"[" * 100_000 + b"]" * 100_000}


@dataclass
class Operation:
    method: str
    path: str  # as in the schema, /api/v1/…/{param}
    body_schema: dict | None
    multipart: bool
    query: list[str]


def operations() -> list[Operation]:
    from config.api import api

    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            content = (spec.get("requestBody") or {}).get("content", {})
            body_schema = next(iter(content.values()))["schema"] if content else None
            found.append(Operation(
                method=method.upper(), path=path, multipart="multipart/form-data" in content,
                body_schema=resolve(body_schema, schema) if body_schema else None,
                query=[p["name"] for p in spec.get("parameters", []) if p["in"] == "query"],
            ))
    return found


def resolve(node, schema: dict):
    """The schema with every $ref replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], schema)
        return {key: resolve(value, schema) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, schema) for value in node]
    return node


def kind_of(field: dict) -> str:
    for option in [field, *field.get("anyOf", [])]:
        if option.get("type") not in (None, "null"):
            return option["type"]
    return "string"


def item_schema(field: dict) -> dict:
    for option in [field, *field.get("anyOf", [])]:
        if option.get("type") == "array":
            return option.get("items", {})
    return {}


def junk(field: dict, how: str, depth: int = 0):
    """A value for `field` that is wrong in the way `how` names."""
    kind = kind_of(field)
    if how == "wrong type":
        return {"integer": "x", "number": "x", "string": 12, "boolean": "maybe", "array": {"a": 1}, "object": [1]}[kind]
    if how == "nested":
        return {"a": [{"b": [{"c": [1, "x", None]}]}]}
    if kind == "array":
        items = item_schema(field)
        value = junk(items, how, depth + 1) if depth < 3 else None
        return [value] * (300 if how == "huge" else 1)
    if kind == "object":
        properties = field.get("properties", {})
        if depth >= 3 or not properties:
            return {"k": ODD_TEXT} if how == "odd unicode" else {}
        return {name: junk(sub, how, depth + 1) for name, sub in properties.items()}
    values: dict[str, dict[str, object]] = {
        "huge": {"integer": HUGE, "number": 1e308, "string": LONG_TEXT, "boolean": HUGE},
        "negative": {"integer": -(2**63) - 1, "number": -1e308, "string": "-1", "boolean": -1},
        "odd unicode": {"integer": "١٢", "number": "NaN", "string": ODD_TEXT, "boolean": ODD_TEXT},
    }
    return values[how][kind]


def json_bodies(schema: dict | None) -> dict[str, bytes]:
    bodies = dict(NOT_AN_OBJECT)
    properties = (schema or {}).get("properties", {})
    bodies["missing fields"] = b"{}"
    for how in ("wrong type", "huge", "negative", "odd unicode", "nested"):
        body = {name: junk(field, how) for name, field in properties.items()} or {"unknown": junk({}, how)}
        bodies[how] = json.dumps(body).encode()
    return bodies


def multipart_bodies(schema: dict) -> dict[str, dict]:
    def fields(value):
        return {name: value for name, field in schema.get("properties", {}).items() if field.get("format") != "binary"
                and kind_of(field) != "array"}

    def files(upload):
        return {name: upload() for name, field in schema.get("properties", {}).items()
                if field.get("format") == "binary" or item_schema(field).get("format") == "binary"}

    not_an_image = lambda: SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")  # noqa: E731
    empty_file = lambda: SimpleUploadedFile("x.csv", b"", content_type="text/csv")  # noqa: E731
    return {
        "no fields": {},
        "file that is not what it says": {**fields("1"), **files(not_an_image)},
        "empty file": {**fields("1"), **files(empty_file)},
        "wrong types": {**fields("x"), **files(png)},
        "huge": {**fields(str(HUGE)), **files(png)},
        "negative": {**fields("-1"), **files(png)},
        "odd unicode": {**fields("\x00\u202e"), **files(png)},
    }


@pytest.fixture
def world(settings, tmp_path) -> Side:
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # nothing leaves the machine: WeChat answers from the fake client
    settings.LINKMALL = {**settings.LINKMALL, "WECHAT_CLIENT": "linkmall.accounts.wechat.FakeWeChatClient"}
    return make_side("seed")


def users_of(side: Side) -> dict:
    return {"anonymous": None, "consumer": side.consumer, "supplier staff": side.staff,
            "merchant owner": side.owner, "platform": testing.make_platform_user()}


def fill_path(path: str, side: Side) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(SEEDED_IDS[m.group(1)](side)), path)


class Caller:
    """Sends requests and collects every answer that breaks the rule."""

    def __init__(self, client) -> None:
        self.client = client
        self.failures: list[str] = []
        self.requests = 0

    def send(self, operation: Operation, url: str, token: str | None, what: str, *, body=None, query=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if operation.multipart and isinstance(body, dict):
            response = self.client.generic(operation.method, url, **self._multipart(body), **headers)
        elif operation.method == "GET":
            response = self.client.get(url, query or {}, **headers)
        else:
            response = self.client.generic(operation.method, url, body or b"", content_type="application/json",
                                           **headers)
        self.requests += 1
        self.check(f"{operation.method} {url} ({what})", response)

    def _multipart(self, fields: dict) -> dict:
        from django.test.client import MULTIPART_CONTENT, encode_multipart

        boundary = "BoUnDaRy"
        return {"data": encode_multipart(boundary, fields),
                "content_type": MULTIPART_CONTENT.replace("BoUnDaRy", boundary)}

    def check(self, label: str, response) -> None:
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code} {response.content[:200]!r}")
        elif response.status_code >= 400:
            try:
                keys = set(response.json())
            except ValueError:
                keys = None
            if keys != {"code", "message", "detail"}:
                self.failures.append(f"{label}: {response.status_code} without the error body: {response.content[:200]!r}")


def test_no_operation_answers_500_to_any_body_query_or_id_as_anyone(client, world):
    users = users_of(world)
    caller = Caller(client)
    every = operations()
    # every id the schema names is one the seeded world can fill in
    assert {name for op in every for name in re.findall(r"\{(\w+)\}", op.path)} <= SEEDED_IDS.keys()

    for operation in every:
        url = fill_path(operation.path, world)
        for role, user in users.items():
            # a fresh token each time: a junk body may well have logged the last one out
            token = api_token_issue(user=user) if user else None
            if operation.method == "GET":
                for value in JUNK_QUERY_VALUES:
                    params = dict.fromkeys(operation.query or ["unknown"], value)
                    caller.send(operation, url, token, f"{role}, query {value!r}", query=params)
            elif operation.multipart:
                for what, fields in multipart_bodies(operation.body_schema).items():
                    caller.send(operation, url, token, f"{role}, {what}", body=fields)
                caller.send(operation, url, token, f"{role}, JSON instead of a form", body=b'{"a": 1}')
            else:
                for what, body in json_bodies(operation.body_schema).items():
                    caller.send(operation, url, token, f"{role}, {what}", body=body)

    platform_token = api_token_issue(user=users["platform"])
    for operation in every:
        if "{" not in operation.path:
            continue
        for junk_id in JUNK_IDS:
            url = re.sub(r"\{\w+\}", junk_id, operation.path)
            body = {} if operation.multipart else b"{}"
            caller.send(operation, url, None, f"anonymous, id {junk_id}", body=body)
            caller.send(operation, url, platform_token, f"platform, id {junk_id}", body=body)

    assert caller.failures == [], f"{len(caller.failures)} of {caller.requests}:\n" + "\n".join(caller.failures)
    assert caller.requests > 5000  # the walk above really ran


def test_a_body_over_the_upload_limit_answers_413_with_the_error_body(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    token = api_token_issue(user=testing.make_supplier_staff(testing.make_supplier()))

    response = client.post("/api/v1/catalog/products", json.dumps({"name": "x" * 2000}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large", "message": "The request body is too large.", "detail": {}}


@pytest.mark.parametrize("gateway", ["sandbox", "no-such-gateway"])
def test_the_gateway_notification_endpoint_outside_the_schema_never_answers_500(client, gateway):
    """Hidden from the OpenAPI schema, so the walk above does not reach it. It answers in the
    gateway's own protocol ({"code": "FAIL", …}), which is what the gateway reads."""
    answers = set()
    bodies = [*NOT_AN_OBJECT.values(), b"{}", json.dumps({"out_trade_no": ODD_TEXT, "amount_fen": HUGE}).encode(),
              b"[" * 20_000 + b"]" * 20_000]  # nested too deeply for json, yet under the notify size limit
    for body in bodies:
        for signature in ("", "0" * 64, ODD_TEXT.encode("utf-8", "surrogatepass").hex()):
            response = client.post(f"/api/v1/payments/notify/{gateway}", body, content_type="application/json",
                                   HTTP_X_SANDBOX_SIGNATURE=signature)
            answers.add(response.status_code)
            assert response.status_code < 500, (body[:60], signature, response.content[:200])
    assert answers <= {400, 404, 413}


# --- pages --------------------------------------------------------------------------------------

# what a page route's parameter names, in the seeded world; (route, name) first, then name alone
PAGE_IDS: dict[tuple[str, str] | str, Callable[[Any], object]] = {
    ("aftersales/new/<int:line_id>/", "line_id"): lambda a: a.line.pk,
    ("ops/withdrawals/<int:pk>/approve/", "pk"): lambda a: a.withdrawal.pk,
    ("ops/withdrawals/<int:pk>/reject/", "pk"): lambda a: a.withdrawal.pk,
    # the cards' own promotions, not the campaigns' store promotions the seeded id names
    ("console/merchant/promotions/<int:promotion_id>/", "promotion_id"): lambda a: a.promotion.pk,
    ("console/merchant/promotions/<int:promotion_id>/delete/", "promotion_id"): lambda a: a.promotion.pk,
    ("console/merchant/campaigns/<slug:kind>/<int:campaign_id>/report/", "campaign_id"):
        lambda a: a.campaign_promotion.pk,
    "line_id": lambda a: a.cart_line.pk,
    "pk": lambda a: a.aftersale.pk,
    "number": lambda a: a.order.number,
    "out_trade_no": lambda a: a.order.payments.first().out_trade_no,
    "run_id": lambda a: a.layer_run.pk,
    "promotion_id": lambda a: a.promotion.pk,
    "action": lambda a: "approve",
    "relation": lambda a: "referrals",
    "code": lambda a: "nosuchcode",
}
PAGE_IDS.update(SEEDED_IDS.items())  # last, so a seeded id wins as it did at the end of the literal
# a stream that stays open for as long as the guide watches; its input is tested in cards
NOT_FUZZED = {"guide/radar/stream"}


def page_routes() -> list[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return [route for route in walk(get_resolver().url_patterns)
            if not route.startswith(("admin/", "api/", "^")) and route not in NOT_FUZZED]


def fill_page_route(route: str, side: Side) -> str:
    def value(match):
        name = match.group(1)
        return str(PAGE_IDS.get((route, name), PAGE_IDS[name])(side))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def form_field_names() -> set[str]:
    """Every field name of every form the site's pages use."""
    from django import forms

    names: set[str] = set()
    todo: list[type[forms.Form] | type[forms.ModelForm]] = [forms.Form, forms.ModelForm]
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.startswith("linkmall."):
            names |= set(form.base_fields)
    return names


def test_no_page_answers_500_to_a_junk_form_or_query_as_anyone(client, world):
    users = {**users_of(world), "guide": world.guide.user}
    fields = form_field_names()
    junk_forms = {
        "empty form": {},
        "huge and wrong": dict.fromkeys(fields, str(HUGE)) | {"quantity": "1e999", "price": "-0.001"},
        "odd unicode": dict.fromkeys(fields, "\x00\u202e😀" + "長" * 300),
    }
    junk_query = {"page": "99999999999999999999", "q": "\x00", "layer": "x", "day": "2026-13-45", "store": "-1"}
    routes = page_routes()
    failures, requests = [], 0
    for route in routes:
        url = fill_page_route(route, world)
        for role, user in users.items():
            client.cookies.clear()  # the last route may have logged out or switched the language
            if user is not None:
                client.force_login(user)
            for what, form in [("query", None), *junk_forms.items()]:
                response = client.get(url, junk_query) if form is None else client.post(url, form)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{url} as {role}, {what}: {response.status_code}")

    assert failures == [], f"{len(failures)} of {requests}:\n" + "\n".join(failures)
    assert len(routes) > 100 and len(fields) > 50  # the walk above really ran
