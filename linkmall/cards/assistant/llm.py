"""Optional rephrasing by an LLM (OpenAI-compatible /chat/completions), offline-safe.

Set LINKMALL["ASSISTANT_LLM"] = {"base_url": "https://…/v1", "api_key": "…", "model": "…"}
(and optionally "timeout" seconds, default 4). The model only rewrites the extractive answer
into friendlier words: it gets the store's passages and the draft, and is told to add no fact.
Its reply is used only when it keeps the draft's citations and adds no new one; on any error,
timeout or doubtful reply the extractive answer stands. Nothing here is needed to answer.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

logger = logging.getLogger("linkmall.assistant")
_CITATION = re.compile(r"\[(\d+)\]")

SYSTEM_PROMPT = (
    "你是门店导购的助手。只能使用【资料】里的内容回答顾客，不得添加资料中没有的任何事实、价格、承诺或建议。"
    "把【草稿】改写成简短、亲切、通顺的中文回答，保留草稿中的引用标记（如 [1]、[2]）并放在对应句子后面，"
    "不要新增引用编号。如果资料不足以回答，原样返回草稿。"
)


def llm_settings() -> dict[str, Any] | None:
    config = settings.LINKMALL.get("ASSISTANT_LLM") or None
    if not isinstance(config, dict) or not config.get("base_url") or not config.get("model"):
        return None
    return config


def rephrase(*, question: str, draft: str, passages: list[str]) -> str | None:
    """The LLM's rewording of `draft`, or None (no LLM, failure, or a reply we do not trust)."""
    config = llm_settings()
    if config is None or not draft:
        return None
    material = "\n".join(f"- {p}" for p in passages)
    body = {
        "model": config["model"], "temperature": 0.2, "max_tokens": 400,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"【资料】\n{material}\n\n【顾客问题】{question}\n\n【草稿】\n{draft}"},
        ],
    }
    request = urllib.request.Request(
        config["base_url"].rstrip("/") + "/chat/completions", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.get('api_key', '')}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("timeout", 4))) as response:
            reply = json.loads(response.read(200_000))
        text = reply["choices"][0]["message"]["content"].strip()
    except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning("assistant LLM failed, answering extractively: %s", exc)
        return None
    allowed = set(_CITATION.findall(draft))
    used = set(_CITATION.findall(text))
    if not text or not used or not used <= allowed or len(text) > 2 * len(draft) + 200:
        logger.warning("assistant LLM reply dropped: citations %s of %s, %s chars", used, allowed, len(text))
        return None
    return text
