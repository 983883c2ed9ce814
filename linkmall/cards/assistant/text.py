"""Chinese text to search terms: jieba in search mode, lower-cased, without stop words.

Search mode (`cut_for_search`) also emits the shorter words inside a long one (玻尿酸精华 gives
玻尿酸, 精华 and the whole), so a question that names only part of a product still matches it.
A few everyday ways of asking are mapped onto the words the store's texts use (多少钱 → 价格).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)
_init_lock = threading.Lock()
_ready = False

#: function words and question fillers: they match everything and so tell nothing apart
_STOP_TEXT = """
的 了 吗 呢 吧 啊 呀 哦 嗯 么 是 在 和 与 或 及 也 都 就 还 又 很 太 更 最 么 之 其 这 那 这个 那个 这些 那些
我 你 您 他 她 它 我们 你们 他们 咱们 自己 请问 请 问 一下 一些 有些 有 没有 没 不 是否 能 能不能 可以 可不可以
会 会不会 要 想 想要 需要 支持 用 一支 一瓶 一个 一件 一盒 一套 一次 多少 怎么 怎么样 怎样 如何 什么 啥 哪 哪里 哪个 哪些 多 少 个 件 次 下 上 中 里 给 让
被 把 对 从 到 向 跟 为 为了 因为 所以 如果 但是 然后 一 二 三 你好 您好 谢谢 好 好的 哈 哈哈 a an the is are
do does can i you we to of and or in on for with it this that what how
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

#: how customers ask → words the store's own texts use (added to the question, never replacing it)
SYNONYMS = {
    "多少钱": ["价格"], "价钱": ["价格"], "几块": ["价格"], "贵": ["价格"], "售价": ["价格"], "便宜": ["价格", "优惠"],
    "退货": ["退换", "退款", "售后"], "退钱": ["退款"], "换货": ["退换", "售后"], "退换货": ["退换", "售后"],
    "快递": ["发货", "配送", "物流"], "寄": ["发货", "配送"], "包邮": ["运费", "配送"], "邮费": ["运费"],
    "几点": ["营业时间"], "开门": ["营业时间"], "关门": ["营业时间"], "营业": ["营业时间"],
    "地址": ["门店"], "在哪": ["门店", "地址"], "店": ["门店"],
    "预约": ["预约到店"], "怎么用": ["使用", "用法"], "用法": ["使用"], "付款": ["支付"], "付钱": ["支付"],
    "正品": ["保障", "正品"], "假货": ["保障", "正品"], "规格": ["规格"], "容量": ["规格"], "颜色": ["规格"],
}
#: words of the trade jieba's dictionary lacks; known from the start so documents and questions
#: are always cut the same way
TRADE_WORDS = ("玻尿酸", "烟酰胺", "敏感肌", "积雪草", "精华液", "持妆", "色号", "一件代发", "售后兜底", "营业时间",
               "到店", "包邮")
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


def _ensure_ready() -> None:
    global _ready
    if not _ready:
        with _init_lock:
            if not _ready:
                jieba.initialize()  # loads the dictionary once per process (~1 s), not per question
                for word in TRADE_WORDS:
                    jieba.add_word(word, tag="n")
                _ready = True


def add_names(names) -> None:
    """Teach jieba a store's own names (products, stores) so it cuts them the same way in the
    passages and in questions; search mode still yields their shorter parts."""
    _ensure_ready()
    for name in names:
        for word in _WORD.findall(name.lower()):
            if len(word) > 1:
                jieba.add_word(word, tag="nz")


def tokenize(text: str) -> list[str]:
    """Search terms of `text`, in order, repeats kept (term frequency matters to BM25)."""
    _ensure_ready()
    terms = []
    for piece in _WORD.findall(text.lower()):
        for word in jieba.cut_for_search(piece):
            word = word.strip()
            if word and word not in STOP_WORDS and not (len(word) == 1 and word.isascii()):
                terms.append(word)
    return terms


@dataclass
class Concept:
    """One thing a question says: alternative words for it, and whether it names a thing (a noun)."""

    words: list[str]
    is_noun: bool


def _is_noun(flag: str) -> bool:
    # jieba's tags: n, nr (person), ns (place), nt (organisation), nz (other proper noun), vn
    # (verbal noun), eng (a Latin word: a brand or a model)
    return flag.startswith("n") or flag in ("vn", "eng")


def question_concepts(text: str) -> list[Concept]:
    """A question as concepts: each word jieba cuts (with the shorter words search mode finds in
    it) is one concept; a phrase of SYNONYMS found in the text merges its words' concepts with
    the store's words for it. A passage holds a concept when it holds any of its words."""
    _ensure_ready()
    concepts: list[Concept] = []
    for piece in _WORD.findall(text.lower()):
        for pair in jieba.posseg.cut(piece):
            word, flag = pair.word, pair.flag
            members = [w for w in dict.fromkeys([*jieba.cut_for_search(word), word])
                       if w.strip() and w not in STOP_WORDS and not (len(w) == 1 and w.isascii())]
            if members:
                concepts.append(Concept(members, _is_noun(flag)))
    lowered = text.lower()
    for phrase, extras in SYNONYMS.items():
        if phrase not in lowered:  # on the raw text: jieba may cut 多少钱 into 多少 + 钱
            continue
        inside = set(tokenize(phrase)) | {phrase}
        merged = [c for c in concepts if set(c.words) <= inside]
        if not merged:
            continue  # the phrase is only part of a longer word (店 in 门店): that word stands
        concepts = [c for c in concepts if not set(c.words) <= inside]
        words = list(dict.fromkeys([*(w for c in merged for w in c.words), *(w for e in extras for w in tokenize(e))]))
        concepts.append(Concept(words, any(c.is_noun for c in merged)))
    return [c for c in concepts if c.words]


def question_terms(text: str) -> list[str]:
    """Every word of every concept, once: what BM25 scores passages by."""
    return list(dict.fromkeys(w for concept in question_concepts(text) for w in concept.words))
