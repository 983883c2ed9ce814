/* Every `.countdown[data-until]` counts down to its ISO time as HH:MM:SS each second; one with
   `data-reload` reloads the page a second after it reaches zero (a flash slot opening or closing). */
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".countdown[data-until]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.dataset.until) - Date.now()) / 1000));
      el.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
      if (left === 0 && el.hasAttribute("data-reload") && !el.dataset.done) {
        el.dataset.done = "1";
        setTimeout(function () { location.reload(); }, 1000);
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
