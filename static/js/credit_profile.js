// Dossier credit profile: amount due vs amount paid per month, drawn from the figures the
// page embeds with json_script (no inline scripts). The table under the chart has the same.
(function () {
  const source = document.getElementById("credit-profile-data");
  const canvas = document.getElementById("chart-credit-profile");
  if (!source || !canvas || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  // Amounts arrive as decimal strings (exact); the chart only needs them approximately.
  const money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: "CNY",
  });
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.months,
      datasets: [
        { label: data.due.label, data: data.due.data.map(Number), backgroundColor: "#6c757d" },
        { label: data.paid.label, data: data.paid.data.map(Number), backgroundColor: "#198754" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 2.4,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => money.format(value) } } },
      plugins: {
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.y)}` } },
      },
    },
  });
})();
