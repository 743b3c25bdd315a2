// Dossier score panel: the case's repayment-propensity score over time, from the figures the
// page embeds with json_script (no inline scripts). The table under the chart has the same.
(function () {
  const source = document.getElementById("score-history-data");
  const canvas = document.getElementById("score-history-chart");
  if (!source || !canvas || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.percent, borderColor: "#0d6efd", tension: 0.2 }],
    },
    options: {
      responsive: true,
      animation: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: (value) => `${value}%` } } },
      plugins: { legend: { display: false } },
    },
  });
})();
