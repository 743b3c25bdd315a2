// Import job page: poll the status endpoint until the import has finished.
(function () {
  "use strict";
  const box = document.getElementById("import-job");
  if (!box) return;
  const finished = (status) => status === "done" || status === "failed";
  const bar = box.querySelector("[data-role=bar]");
  const show = (data) => {
    bar.style.width = data.progress + "%";
    bar.textContent = data.progress + "%";
    bar.parentElement.setAttribute("aria-valuenow", data.progress);
    bar.classList.toggle("bg-danger", data.status === "failed");
    bar.classList.toggle("bg-success", data.status === "done");
    box.querySelector("[data-role=status]").textContent = data.status_label;
    box.querySelector("[data-role=summary]").textContent = data.summary;
    const link = box.querySelector("[data-role=errors]");
    if (data.errors_url) {
      link.href = data.errors_url;
      link.classList.remove("d-none");
    }
  };
  const poll = () => {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((data) => {
        show(data);
        if (!finished(data.status)) window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  const now = Number(bar.parentElement.getAttribute("aria-valuenow"));
  bar.style.width = now + "%";
  if (!finished(box.dataset.status)) poll();
})();
