/* 附近门店与优惠 and geofenced coupons (docs/o2o.md). The browser's location is asked for only when
   the visitor presses a button: [data-nearby-locate] loads the nearby fragment for the position,
   and a claim form marked [data-needs-location] (a geofenced coupon) fills in lat/lng first.
   navigator.geolocation answers in WGS-84; the server converts it to GCJ-02 (coord=wgs84). */
(function () {
  "use strict";
  function locate(ok, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      ok(pos.coords.latitude.toFixed(6), pos.coords.longitude.toFixed(6));
    }, fail, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-nearby-locate]");
    if (!button) { return; }
    var box = document.getElementById(button.getAttribute("data-target"));
    var label = button.textContent;
    button.disabled = true;
    button.textContent = button.getAttribute("data-locating");
    locate(function (lat, lng) {
      var url = button.getAttribute("data-url");
      url += (url.indexOf("?") >= 0 ? "&" : "?") + "lat=" + lat + "&lng=" + lng + "&coord=wgs84";
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.text();
      }).then(function (html) {
        box.innerHTML = html;
        button.textContent = label;
        button.disabled = false;
      });
    }, function () {
      box.textContent = button.getAttribute("data-denied");
      button.textContent = label;
      button.disabled = false;
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-needs-location]");
    if (!form || form.elements.lat.value) { return; }
    event.preventDefault();
    locate(function (lat, lng) {
      form.elements.lat.value = lat;
      form.elements.lng.value = lng;
      form.elements.coord.value = "wgs84";
      form.submit();
    }, function () {
      window.alert(form.getAttribute("data-denied"));
    });
  });
})();
