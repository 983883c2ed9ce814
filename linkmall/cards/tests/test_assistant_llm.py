"""The optional LLM only rewords the extractive answer; any failure leaves the extractive one."""

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from linkmall.cards.assistant import question_ask
from linkmall.cards.assistant.corpus import indexes
from linkmall.cards.tests.test_assistant import Store, a_visitor
from linkmall.cards.tests.test_radar import SHANGHAI
from linkmall.core import clock

pytestmark = pytest.mark.django_db
EXTRACTIVE = "丝绒口红：价格 ¥129.00 至 ¥139.00。 [1]"


class FakeLLM:
    """An OpenAI-compatible /chat/completions on loopback that answers what the test sets."""

    def __init__(self) -> None:
        self.reply: dict | str = {}
        self.requests: list[dict] = []
        self.delay = threading.Event()  # set → the server hangs until released
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
                if fake.delay.is_set():
                    fake.release.wait(5)
                payload = fake.reply if isinstance(fake.reply, str) else json.dumps(fake.reply)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.release = threading.Event()
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def says(self, content: str) -> None:
        self.reply = {"choices": [{"message": {"role": "assistant", "content": content}}]}

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm(settings):
    fake = FakeLLM()
    settings.LINKMALL = {**settings.LINKMALL, "ASSISTANT_LLM": {"base_url": fake.url, "api_key": "sk-test",
                                                                "model": "tiny", "timeout": 0.5}}
    yield fake
    fake.close()


@pytest.fixture
def shop() -> Store:
    clock.freeze(datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI))
    indexes.clear()
    return Store()


def ask(shop) -> str:
    return question_ask(guide_id=shop.guide.pk, text="口红多少钱", visitor=a_visitor()).answer


def test_the_llm_rewords_the_answer_from_the_passages_it_is_given(shop, llm):
    llm.says("这款丝绒口红的价格是 ¥129.00 到 ¥139.00 哦 [1]")

    assert ask(shop) == "这款丝绒口红的价格是 ¥129.00 到 ¥139.00 哦 [1]"
    [sent] = llm.requests
    assert (sent["path"], sent["auth"], sent["body"]["model"]) == ("/v1/chat/completions", "Bearer sk-test", "tiny")
    system, user = sent["body"]["messages"]
    assert "不得添加资料中没有的任何事实" in system["content"]
    assert f"【草稿】\n{EXTRACTIVE}" in user["content"]
    assert "价格 ¥129.00 至 ¥139.00。" in user["content"]


@pytest.mark.parametrize("reply", [
    "口红 ¥99，今天买一送一！",  # no citation: an answer we cannot trace to a passage
    "价格 ¥129.00 [1]，另见 [3]",  # a citation the draft never had
    "",
])
def test_a_reply_that_is_not_traceable_to_the_passages_is_dropped(shop, llm, reply):
    llm.says(reply)

    assert ask(shop) == EXTRACTIVE


def test_a_broken_or_slow_llm_leaves_the_extractive_answer(shop, llm):
    llm.reply = "not json"
    assert ask(shop) == EXTRACTIVE
    llm.reply = {"error": {"message": "quota"}}
    assert ask(shop) == EXTRACTIVE
    llm.delay.set()  # hangs past the 0.5 s timeout
    assert ask(shop) == EXTRACTIVE


def test_a_handed_off_question_never_reaches_the_llm(shop, llm):
    llm.says("随便编一个 [1]")

    answer = question_ask(guide_id=shop.guide.pk, text="周末有停车位吗", visitor=a_visitor()).answer

    assert answer.startswith("这个问题我没有找到依据")
    assert llm.requests == []
