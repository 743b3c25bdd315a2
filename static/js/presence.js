// Check-in and check-out: ask the browser for its position once, at the moment of the click,
// put it (or why there is none) into the form, then submit. Never tracks in the background.
(function () {
  "use strict";
  var PROBLEMS = { 1: "denied", 2: "unavailable", 3: "timeout" };

  function send(form, values) {
    Object.keys(values).forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (input) { input.value = values[name]; }
    });
    form.submit();
  }

  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located) { return; }
      event.preventDefault();
      form.dataset.located = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      if (!navigator.geolocation) { send(form, { problem: "unsupported" }); return; }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          send(form, {
            lat: position.coords.latitude.toFixed(6),
            lng: position.coords.longitude.toFixed(6),
            accuracy: Math.round(position.coords.accuracy),
            problem: ""
          });
        },
        function (error) { send(form, { problem: PROBLEMS[error.code] || "unavailable" }); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
      );
    });
  });
})();
