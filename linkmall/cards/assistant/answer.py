"""From a question to an answer made only of the store's own passages, with citations.

Retrieval: BM25 over the merchant's passages (corpus.py). The assistant answers only when there
is evidence: the best passage scores at least MIN_SCORE, and every thing the question names —
each noun concept (jieba's part-of-speech tags), e.g. 孕妇, 停车位, 比特币 — appears in the
passages the answer quotes. A question about something the store's texts never mention is
therefore refused even when its other words match well, and goes to the guide. Verbs and
adjectives (买, 合适, 怎么用) only rank passages; they do not veto an answer.

Composition is extractive: from the top passages of up to MAX_SOURCES different sources (each
at least RELATIVE_SCORE of the best), the sentences that hold a question term, each source
cited as [n].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linkmall.cards.assistant.corpus import Index, Passage, Source, sentences
from linkmall.cards.assistant.text import Concept, question_concepts, tokenize

MIN_SCORE = 1.5
#: a further source joins the answer only when it is nearly as good as the best one
RELATIVE_SCORE = 0.6
MAX_SOURCES = 3
MAX_SENTENCES_PER_SOURCE = 3


@dataclass
class Hit:
    index: int
    passage: Passage
    score: float


@dataclass
class Answer:
    text: str
    sources: list[Source] = field(default_factory=list)
    handed_off: bool = False
    best_score: float = 0.0
    missing: list[str] = field(default_factory=list)  # the question's things no quoted passage holds
    passages: list[str] = field(default_factory=list)  # what an LLM may rephrase, nothing more


def retrieve(index: Index, question: str, *, k: int = 8) -> tuple[list[Concept], list[Hit]]:
    concepts = question_concepts(question)
    terms = list(dict.fromkeys(w for c in concepts for w in c.words))
    if not terms or not index.passages:
        return concepts, []
    ranked = sorted(index.bm25.scores(terms).items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return concepts, [Hit(i, index.passages[i], score) for i, score in ranked]


def compose(index: Index, question: str) -> Answer:
    concepts, hits = retrieve(index, question)
    if not hits or hits[0].score < MIN_SCORE:
        return Answer(text="", handed_off=True, best_score=hits[0].score if hits else 0.0)
    best = hits[0].score
    chosen: dict[Source, list[Hit]] = {}
    for hit in hits:
        if hit.score >= best * RELATIVE_SCORE and (hit.passage.source in chosen or len(chosen) < MAX_SOURCES):
            chosen.setdefault(hit.passage.source, []).append(hit)
    quoted_ids = [hit.index for source_hits in chosen.values() for hit in source_hits]
    missing = [c.words[-1] for c in concepts
               if c.is_noun and not any(index.bm25.holds(w, quoted_ids) for w in c.words)]
    if missing:
        return Answer(text="", handed_off=True, best_score=best, missing=missing)
    wanted = {w for c in concepts for w in c.words}
    lines: list[str] = []
    sources: list[Source] = []
    quoted: list[str] = []
    for number, (source, source_hits) in enumerate(chosen.items(), start=1):
        picked: list[str] = []
        for hit in source_hits:
            for sentence in sentences(hit.passage.text):
                if sentence.rstrip("。") == source.title:
                    continue  # the bare product name: it leads the line instead
                if wanted & set(tokenize(sentence)) and sentence not in picked:
                    picked.append(sentence)
        if not picked:  # the question named only the product: its pitch comes first in the passage
            picked = [x for x in sentences(source_hits[0].passage.text) if x.rstrip("。") != source.title]
        picked = picked[:MAX_SENTENCES_PER_SOURCE]
        lead = f"{source.title}：" if source.kind == "product" else ""
        lines.append(lead + "".join(picked) + f" [{number}]")
        sources.append(source)
        quoted.extend(hit.passage.text for hit in source_hits)
    return Answer(text="\n".join(lines), sources=sources, best_score=best, passages=quoted)
