// Draws the team page's charts from the numbers in #chart-data. The tables beside each chart
// hold the same numbers and stay the source for screen readers and for anyone without JS.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var colours = { completions: "#1d6b33", overdue: "#a31515" };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var series = data[canvas.dataset.chart];
      if (!series) return;
      canvas.hidden = false;
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: series.labels,
          datasets: [{ label: series.label, data: series.values, backgroundColor: colours[canvas.dataset.chart] }],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
