// Draws the indicators dashboard (/admin/indicateurs) with plotly.js, served by the platform.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("indicator-data").textContent);
  var labels = {
    searches: "Recherches", slots_shown: "Créneaux affichés",
    orientations: "Orientations", appointments: "Rendez-vous"
  };
  var layout = { margin: { t: 10, r: 10, b: 60, l: 50 }, legend: { orientation: "h" },
    barmode: "group", font: { family: "Marianne, Arial, sans-serif", size: 11 } };
  var config = { displaylogo: false, responsive: true };
  function series(rows, metric, kind) {
    return {
      x: rows.map(function (r) { return r.key; }),
      y: rows.map(function (r) { return r[metric]; }),
      name: labels[metric], type: kind
    };
  }
  function draw(grouping, metrics, kind) {
    var rows = data[grouping] || [];
    var traces = metrics.map(function (m) { return series(rows, m, kind); });
    // SAMU numbers ("33") and names would otherwise be read as dates: categories, except days.
    var axis = { type: grouping === "day" ? "date" : "category" };
    Plotly.newPlot("chart-" + grouping, traces, Object.assign({ xaxis: axis }, layout), config);
  }
  draw("day", ["searches", "orientations", "appointments"], "scatter");
  draw("samu", ["searches", "orientations", "appointments"], "bar");
  draw("use_case", ["searches", "slots_shown", "orientations"], "bar");
  draw("editor", ["searches", "slots_shown", "appointments"], "bar");
})();
