// The card's ask box: questions go to /api/v1/cards/<guide>/ask and the answer (with its
// numbered sources) is added to the conversation without leaving the card. Without JavaScript
// the form posts to the page fallback and the card shows the same conversation.
(function () {
  "use strict";
  var box = document.getElementById("assistant");
  if (!box || !window.fetch) return;
  var form = box.querySelector(".assistant-form");
  var input = form.querySelector("input[name=question]");
  var log = document.getElementById("assistant-log");
  var button = form.querySelector("button[type=submit]");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sources(list) {
    var ul = el("ul", "sources");
    list.forEach(function (s) {
      var li = ul.appendChild(el("li", "", "[" + s.n + "] "));
      if (s.url) {
        var a = li.appendChild(el("a", "", s.title));
        a.href = s.url;
      } else if (s.text) {
        var details = li.appendChild(el("details"));
        details.appendChild(el("summary", "", s.title));
        details.appendChild(document.createTextNode(s.text));
      } else {
        li.appendChild(document.createTextNode(s.title));
      }
    });
    return ul;
  }

  function show(q) {
    var question = log.appendChild(el("li", "q", q.question));
    question.dataset.question = q.id;
    var answer = log.appendChild(el("li", "a" + (q.answered_by_guide ? " guide" : ""), q.answer));
    answer.dataset.answer = q.id;
    if (q.sources.length && !q.answered_by_guide) answer.appendChild(sources(q.sources));
    answer.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function ask(text) {
    var waiting = log.appendChild(el("li", "a pending", box.dataset.labelBusy));
    button.disabled = true;
    fetch(box.dataset.askUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ question: text })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      waiting.remove();
      if (result.ok) {
        show(result.body);
        input.value = "";
      } else {
        var code = result.body && result.body.code;
        log.appendChild(el("li", "a", code === "rate_limited" ? box.dataset.labelRate : box.dataset.labelError));
      }
    }).catch(function () {
      waiting.remove();
      log.appendChild(el("li", "a", box.dataset.labelError));
    }).then(function () { button.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    var text = input.value.trim();
    if (text.length < 2) return;  // the browser's own validation message says why
    event.preventDefault();
    ask(text);
  });
  box.querySelectorAll("[data-ask]").forEach(function (chip) {
    chip.addEventListener("click", function () { input.value = chip.dataset.ask; ask(chip.dataset.ask); });
  });
})();
