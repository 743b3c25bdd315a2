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
  const lang = document.documentElement.lang || undefined;
  const money = new Intl.NumberFormat(lang, { style: "currency", currency: "CNY" });
  const axisMoney = new Intl.NumberFormat(lang, {
    style: "currency",
    currency: "CNY",
    notation: "compact",
    maximumFractionDigits: 1,
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
      // Taller on a phone, where 24 bars share a narrow card.
      aspectRatio: canvas.parentElement.clientWidth < 576 ? 1.4 : 2.4,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => axisMoney.format(value) } } },
      plugins: {
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.y)}` } },
      },
    },
  });
})();
