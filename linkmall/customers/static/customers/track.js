/* LinkMall behaviour beacon: page views, visible sections, visible dwell time and shares.
 * Nothing is sent before the visitor says yes to the notice (customers/_consent.html).
 * Events are batched; on page hide the rest goes by navigator.sendBeacon (fetch keepalive as fallback),
 * as text/plain so no CORS preflight is needed. No build step: plain ES5-compatible script. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.lmTrack) return;
  var d = script.dataset;
  var ENDPOINT = d.endpoint || "/api/v1/customers/events";
  var MAX_BATCH = 50;
  var toInt = function (v) { var n = parseInt(v, 10); return isNaN(n) ? null : n; };
  var base = {
    merchant: toInt(d.merchant), store: toInt(d.store), guide: toInt(d.guide), product: toInt(d.product),
    shared_by: d.sharedBy || null
  };
  var queue = [], held = [], timer = null;
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null, visibleMs = 0;

  function uid() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16), out = "";
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    for (var j = 0; j < 16; j++) out += (bytes[j] + 256).toString(16).slice(1);
    return out;
  }
  function consent() {
    var m = document.cookie.match(/(?:^|;\s*)lm_consent=([01])/);
    return m ? m[1] : null;
  }
  function post(body, beacon) {
    var text = JSON.stringify(body);
    if (beacon && navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, text)) return null;
    if (!window.fetch) return null;
    return fetch(ENDPOINT, {
      method: "POST", body: text, keepalive: true, credentials: "same-origin",
      headers: {"Content-Type": "text/plain;charset=UTF-8"}
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }
  function flush(beacon) {
    clearTimeout(timer); timer = null;
    while (queue.length) {
      var sent = post({events: queue.splice(0, MAX_BATCH)}, beacon);
      if (sent) sent.then(function (answer) {
        // the server forgot us (cookie cleared, data deleted): ask again instead of sending into the void
        if (answer && answer.consented === false) { document.cookie = "lm_consent=; max-age=0; path=/"; showNotice(); }
      });
    }
  }
  function send(kind, extra) {
    if (base.merchant === null) return;
    var event = {id: uid(), kind: kind, at: new Date().toISOString()}, k;
    for (k in base) event[k] = base[k];
    for (k in (extra || {})) event[k] = extra[k];
    var answer = consent();
    if (answer === "0") return;
    if (answer === null) { held.push(event); return; }
    queue.push(event);
    if (queue.length >= MAX_BATCH) flush(false);
    else if (!timer) timer = setTimeout(function () { flush(false); }, 2000);
  }
  function sendDwell() {
    if (visibleSince !== null) { visibleMs += Date.now() - visibleSince; visibleSince = null; }
    if (visibleMs >= 500) { send("dwell", {dwell_ms: visibleMs}); visibleMs = 0; }
    flush(true);
  }
  function showNotice() {
    var box = document.getElementById("lm-consent");
    if (!box || !box.hidden) return;
    box.hidden = false;
    box.addEventListener("click", function (e) {
      var button = e.target.closest("[data-consent]");
      if (!button) return;
      var yes = button.getAttribute("data-consent") === "yes";
      box.hidden = true;
      post({consent: yes, events: yes ? held.splice(0, 100) : []}, false);
      held = [];
      document.cookie = "lm_consent=" + (yes ? "1" : "0") + "; max-age=31536000; path=/; samesite=lax";
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") visibleSince = Date.now();
    else sendDwell();
  });
  window.addEventListener("pagehide", sendDwell);
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-track-share]");
    if (el) { send("share", {section: (el.getAttribute("data-track-share") || "").slice(0, 32)}); flush(false); }
  });
  function watchSections() {
    var seen = {};
    var els = document.querySelectorAll("[data-track-section]");
    if (!els.length || !window.IntersectionObserver) return;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var name = entry.target.getAttribute("data-track-section").slice(0, 32);
        if (entry.isIntersecting && !seen[name]) { seen[name] = true; send("section_view", {section: name}); observer.unobserve(entry.target); }
      });
    }, {threshold: 0.5});
    els.forEach(function (el) { observer.observe(el); });
  }

  window.lmTrack = {send: send, flush: function () { flush(false); }};
  send(d.page === "product" ? "product_view" : "card_view");
  if (consent() === null) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showNotice);
    else showNotice();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchSections);
  else watchSections();
})();
