// Evidence pack page: while the pack is being built, ask the server for its progress every
// couple of seconds and move the bar; once it is ready or has failed, reload the page, which
// then shows the download link or the error.
(function () {
  "use strict";
  var box = document.querySelector("[data-evidence-pack-progress]");
  if (!box) { return; }
  var url = box.getAttribute("data-evidence-pack-progress");
  var bar = box.querySelector("[data-progress-bar]");
  var label = box.querySelector("[data-progress-label]");
  var INTERVAL_MS = 2000;

  function show(progress) {
    if (bar) { bar.value = progress; bar.textContent = progress + "%"; }
    if (label) { label.textContent = progress + "%"; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && !job.pending) { window.location.reload(); return; }
        if (job) { show(job.progress); }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL_MS); });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
