// The guide's radar: new lines arrive over Server-Sent Events and go on top, briefly highlighted.
// A line whose `key` is already shown (a view that a later dwell updated) is replaced and moved up.
// The server ends each stream after ~25 s; EventSource reconnects by itself and resumes with
// Last-Event-ID, so nothing is lost between connections.
(function () {
  "use strict";
  var list = document.getElementById("radar");
  if (!list || !window.EventSource) return;
  var live = document.getElementById("radar-live");
  var empty = document.getElementById("radar-empty");
  var own = list.dataset.own === "1";
  var profileUrl = list.dataset.profileUrl;

  function setLive(on) {
    live.classList.toggle("on", on);
    live.textContent = on ? live.dataset.on : live.dataset.off;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(item) {
    var li = el("li", "radar-item new");
    li.dataset.key = item.key;
    li.dataset.id = item.id;
    li.appendChild(el("span", "avatar", (item.name || "?").slice(0, 1))).setAttribute("aria-hidden", "true");
    var body = li.appendChild(el("div", "body"));
    var text = body.appendChild(el("p", "text"));
    if (item.profile_id) {
      var a = text.appendChild(el("a", "", item.line));
      a.href = profileUrl + item.profile_id + "/";
    } else {
      text.textContent = item.line;
    }
    var meta = body.appendChild(el("div", "meta"));
    var time = meta.appendChild(el("time", "", item.time));
    time.setAttribute("datetime", item.at);
    if (item.guide && !own) meta.appendChild(el("span", "", item.guide));
    meta.appendChild(el("span", "new-tag", list.dataset.newLabel || "新"));
    if (item.grade) {
      var grade = li.appendChild(el("span", "grade grade-" + item.grade, item.grade));
      grade.title = "意向等级";
    }
    return li;
  }

  function show(item) {
    var old = list.querySelector('[data-key="' + item.key + '"]');
    if (old) old.remove();
    var li = render(item);
    list.insertBefore(li, list.firstChild);
    if (empty) empty.hidden = true;
    setTimeout(function () { li.classList.remove("new"); }, 6000);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  var source = new EventSource(list.dataset.stream);
  source.onopen = function () { setLive(true); };
  source.onerror = function () { setLive(false); };
  source.onmessage = function (event) {
    try { show(JSON.parse(event.data)); } catch (e) { /* a malformed line is skipped, the stream goes on */ }
  };
})();
