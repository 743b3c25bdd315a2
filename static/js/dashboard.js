// Team dashboard charts, drawn from the figures the page embeds with json_script
// (no inline scripts). The tables on the page carry the same numbers.
(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const colours = ["#198754", "#6c757d", "#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#ffc107", "#0dcaf0"];
  const base = { responsive: true, maintainAspectRatio: true, aspectRatio: 1.4, animation: false };

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) {
      new Chart(canvas, config);
    }
  }

  // Visits per week: done, cancelled and not done yet stack up to the planned visits.
  draw("chart-visits", {
    type: "bar",
    data: {
      labels: data.weeks,
      datasets: data.visits.map((set, i) => ({ ...set, backgroundColor: colours[i] })),
    },
    options: {
      ...base,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  draw("chart-outcomes", {
    type: "bar",
    data: {
      labels: data.outcomes.labels,
      datasets: [{ label: data.outcomes.label, data: data.outcomes.data, backgroundColor: colours }],
    },
    options: {
      ...base,
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  // Amounts arrive as decimal strings (exact); the chart only needs them approximately.
  const money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: "CNY",
  });
  draw("chart-money", {
    type: "bar",
    data: {
      labels: data.weeks,
      datasets: data.money.map((set, i) => ({
        label: set.label,
        data: set.data.map(Number),
        backgroundColor: colours[i + 2],
      })),
    },
    options: {
      ...base,
      scales: { y: { beginAtZero: true } },
      plugins: {
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.y)}` } },
      },
    },
  });
})();
