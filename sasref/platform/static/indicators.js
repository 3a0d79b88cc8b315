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
  function series(rows, metric, kind, horizontal) {
    var keys = rows.map(function (r) { return r.key; });
    var values = rows.map(function (r) { return r[metric]; });
    return {
      x: horizontal ? values : keys, y: horizontal ? keys : values,
      orientation: horizontal ? "h" : "v", name: labels[metric], type: kind
    };
  }
  function draw(grouping, metrics, kind) {
    var rows = data[grouping] || [];
    // Many categories (40 editors) read best as horizontal bars, one line per category.
    var horizontal = kind === "bar" && rows.length > 12;
    var traces = metrics.map(function (m) { return series(rows, m, kind, horizontal); });
    // SAMU numbers ("33") and names would otherwise be read as dates: categories, except days.
    var axis = { type: grouping === "day" ? "date" : "category", automargin: true };
    var element = document.getElementById("chart-" + grouping);
    var extra = { xaxis: axis };
    if (horizontal) {
      var height = Math.max(300, 14 * metrics.length * rows.length + 80);
      element.style.height = height + "px";  // the box grows with the chart
      extra = { yaxis: Object.assign({ autorange: "reversed" }, axis), height: height,
        legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom" } };
    }
    Plotly.newPlot(element, traces, Object.assign({}, layout, extra), config);
  }
  draw("day", ["searches", "orientations", "appointments"], "scatter");
  draw("samu", ["searches", "orientations", "appointments"], "bar");
  draw("use_case", ["searches", "slots_shown", "orientations"], "bar");
  draw("editor", ["searches", "slots_shown", "appointments"], "bar");
})();
