// The card page: copy the WeChat id, share the card (system share sheet or copy the link).
(function () {
  "use strict";
  var toast = document.querySelector(".bc-toast");
  function say(text) {
    if (!toast) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; }, 2200);
  }
  function copy(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text, done); });
    } else {
      fallback(text, done);
    }
  }
  function fallback(text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays visible in the share box */ }
    document.body.removeChild(area);
    done();
  }
  document.addEventListener("click", function (event) {
    var copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      copy(copyButton.getAttribute("data-copy"), function () { say(copyButton.getAttribute("data-copied")); });
      return;
    }
    var share = event.target.closest("[data-share-url]");
    if (share) {
      var url = share.getAttribute("data-share-url");
      if (navigator.share) {
        navigator.share({ title: share.getAttribute("data-share-title"), url: url }).catch(function () {});
      } else {
        copy(url, function () { say(share.getAttribute("data-copied")); });
      }
    }
  });
})();
