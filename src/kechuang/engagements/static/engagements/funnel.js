/* The funnel page's charts: ECharts (vendored) over the numbers the page itself shows,
   read from the json_script tag #funnel-data. No inline script (CSP); tooltips are drawn
   on the canvas (renderMode "richText"), since HTML tooltips need inline styles. */
(function () {
  "use strict";

  function bar(el, rows, opts) {
    if (!el || !window.echarts) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: opts.integer ? 1 : 0 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r[0]; }) },
      series: [{
        type: "bar",
        name: opts.name,
        data: rows.map(function (r) { return r[1]; }),
        itemStyle: { color: opts.color },
        label: { show: true, position: "right", formatter: function (p) {
          return p.value === null || p.value === undefined ? "—" : String(p.value);
        } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function draw() {
    var source = document.getElementById("funnel-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    bar(document.getElementById("funnel-chart"), data.stages, { name: data.names.stages, color: "#206bc4", integer: true });
    bar(document.getElementById("gap-chart"), data.gaps, { name: data.names.gaps, color: "#f59f00", integer: false });
    bar(document.getElementById("decline-chart"), data.declines, { name: data.names.declines, color: "#d63939", integer: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
