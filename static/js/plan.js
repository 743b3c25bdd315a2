// Plan form: show the place fields that fit the location type, and apply the engine's
// "next allowed start" (keeping the visit's length), which re-runs the live check.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form) { return; }
  var kind = form.querySelector("[name=location_type]");
  var AT_ADDRESS = ["home", "workplace"];

  function showPlaceFields() {
    var atAddress = AT_ADDRESS.indexOf(kind.value) >= 0;
    form.querySelector("[data-place=address]").hidden = !atAddress;
    form.querySelector("[data-place=agreed]").hidden = atAddress;
  }
  kind.addEventListener("change", showPlaceFields);
  showPlaceFields();

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-next-start]");
    if (!button) { return; }
    form.querySelector("[name=start]").value = button.dataset.nextStart;
    form.querySelector("[name=end]").value = button.dataset.nextEnd;
    form.dispatchEvent(new Event("verdict-refresh"));
  });
})();
