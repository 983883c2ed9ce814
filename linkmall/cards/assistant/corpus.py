"""What the assistant may answer from, as passages: the merchant's listed products, its stores and
its policies (cards.Knowledge). Nothing else — no general knowledge, no other merchant.

An index is built per merchant and kept in this process until its sources change: the version
is read on every question (counts and the newest updated_at of listings, listed products and
knowledge, plus the stores' rows), so an edit in the console shows in the next answer.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from linkmall.cards.assistant.bm25 import BM25
from linkmall.cards.assistant.text import add_names, tokenize
from linkmall.cards.models import Knowledge
from linkmall.core import clock
from linkmall.core.money import fen_to_yuan
from linkmall.stores.models import Listing, Merchant, Store

#: a passage is a few sentences, short enough to quote as an answer
PASSAGE_CHARS = 160
CACHE_SIZE = 128
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


@dataclass(frozen=True)
class Source:
    kind: str  # product | knowledge | store
    id: int
    title: str


@dataclass(frozen=True)
class Passage:
    source: Source
    text: str


@dataclass
class Index:
    version: str
    passages: list[Passage]
    bm25: BM25


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]


def chunk(source: Source, body: str) -> list[Passage]:
    """Whole sentences, packed up to PASSAGE_CHARS each; the title leads every passage so its
    words count wherever the passage is found."""
    passages, current = [], ""
    for sentence in sentences(body):
        if current and len(current) + len(sentence) > PASSAGE_CHARS:
            passages.append(Passage(source, current))
            current = ""
        current += sentence
    if current:
        passages.append(Passage(source, current))
    return passages or [Passage(source, source.title)]


def product_documents(merchant_id: int) -> list[tuple[Source, str]]:
    listings = (
        Listing.objects.filter(merchant_id=merchant_id, is_active=True, product__status="active")
        .select_related("product", "sku").order_by("product_id", "price_fen", "pk")
    )
    by_product: dict[int, list[Listing]] = defaultdict(list)
    for listing in listings:
        by_product[listing.product_id].append(listing)
    documents = []
    for rows in by_product.values():
        product = rows[0].product
        prices = sorted({r.price_fen for r in rows})
        price = f"¥{fen_to_yuan(prices[0])}" if len(prices) == 1 else \
            f"¥{fen_to_yuan(prices[0])} 至 ¥{fen_to_yuan(prices[-1])}"
        specs = "、".join(" ".join(str(v) for v in r.sku.spec.values()) for r in rows if r.sku.spec)
        description = product.description.strip()
        if description and description[-1] not in "。！？!?；;":
            description += "。"
        parts = [f"{product.name}。", f"{product.subtitle}。" if product.subtitle else "", description,
                 f"价格 {price}。", f"规格：{specs}。" if specs else ""]
        documents.append((Source("product", product.pk, product.name), "".join(parts)))
    return documents


def store_documents(merchant_id: int) -> list[tuple[Source, str]]:
    """One short document per fact of a store, so a question about the hours finds the hours
    line itself rather than a longer text that BM25's length penalty would rank lower."""
    documents = []
    for store in Store.objects.filter(merchant_id=merchant_id, is_active=True).order_by("pk"):
        source = Source("store", store.pk, store.name)
        documents.append((source, f"{store.name}门店地址：{store.city}{store.address}。"))
        if store.opening_hours:
            documents.append((source, f"{store.name}门店营业时间 {store.opening_hours}。"))
        if store.phone:
            documents.append((source, f"{store.name}门店电话 {store.phone}。"))
    return documents


def knowledge_documents(merchant_id: int) -> list[tuple[Source, str]]:
    return [
        (Source("knowledge", k.pk, k.title), f"{k.title}：{k.body}")
        for k in Knowledge.objects.filter(merchant_id=merchant_id, is_active=True).order_by("pk")
    ]


def corpus_version(merchant_id: int) -> str:
    listings = Listing.objects.filter(merchant_id=merchant_id).aggregate(
        n=Count("pk"), at=Max("updated_at"), product_at=Max("product__updated_at"))
    knowledge = Knowledge.objects.filter(merchant_id=merchant_id).aggregate(n=Count("pk"), at=Max("updated_at"))
    stores = list(Store.objects.filter(merchant_id=merchant_id).order_by("pk").values_list(
        "pk", "name", "city", "address", "opening_hours", "phone", "is_active"))
    raw = repr((sorted(listings.items()), sorted(knowledge.items()), stores))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class _IndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[int, Index] = OrderedDict()
        self.builds = 0

    def get(self, merchant_id: int) -> Index:
        version = corpus_version(merchant_id)
        with self._lock:
            cached = self._items.get(merchant_id)
            if cached is not None and cached.version == version:
                self._items.move_to_end(merchant_id)
                return cached
        index = build_index(merchant_id, version)
        with self._lock:
            self.builds += 1
            self._items[merchant_id] = index
            self._items.move_to_end(merchant_id)
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)
        return index

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


indexes = _IndexCache()


def build_index(merchant_id: int, version: str) -> Index:
    documents = [*product_documents(merchant_id), *store_documents(merchant_id), *knowledge_documents(merchant_id)]
    add_names(source.title for source, _ in documents if source.kind != "knowledge")
    passages = [passage for source, body in documents for passage in chunk(source, body)]
    return Index(version=version, passages=passages, bm25=BM25([tokenize(p.text) for p in passages]))


# --- the policies every store starts with ----------------------------------------------------


def default_knowledge() -> list[tuple[str, str]]:
    # the after-sales numbers are the platform's own rules (aftersales.rules reads the same
    # settings); cards sits below aftersales in the layers, so it reads the settings itself
    window = settings.LINKMALL.get("AFTERSALE_WINDOW_DAYS", 15)
    respond = settings.LINKMALL.get("AFTERSALE_RESPONSE_HOURS", 48)
    pay_minutes = settings.LINKMALL.get("ORDER_PAYMENT_TIMEOUT_MINUTES", 15)
    return [
        ("退换货与平台保障",
         f"退换货受平台售后保障（售后兜底）。签收后 {window} 天内可在「我的订单」申请退款或退货退款。"
         f"商家须在 {respond} 小时内处理售后申请，超时未处理的由平台按规则先行同意或退款。"
         "商品质量问题的退货运费由商家承担。"),
        ("发货与配送",
         "下单付款后由供应商直接发货（一件代发），通常 48 小时内发出。"
         "同一订单里不同供应商的商品会分成多个包裹发货，发货后可在「我的订单」查看快递公司和运单号。"),
        ("节假日营业",
         "节假日的营业安排可能调整，以店内通知为准；出发前可以先打电话确认，或在名片上预约到店。"),
        ("预约到店",
         "在导购名片上点「预约到店」，选择门店、日期和时间段即可预约，每个时段名额有限。"
         "预约成功后可在「我的预约」查看或取消；到店后导购会为你一对一服务。"),
        ("支付方式", f"商城订单支持微信支付，下单后请在 {pay_minutes} 分钟内完成支付，超时订单会自动取消。"),
    ]


def knowledge_seed_defaults(*, merchant_id: int) -> int:
    """Give a merchant without any policy the defaults above, once. Returns how many it added.

    The merchant's row is locked first, so two first questions arriving together seed once.
    """
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        if Knowledge.objects.filter(merchant_id=merchant_id).exists():
            return 0
        now = clock.now()
        Knowledge.objects.bulk_create(
            Knowledge(merchant_id=merchant_id, title=title, body=body, updated_at=now)
            for title, body in default_knowledge()
        )
    return len(default_knowledge())
