/* Charts of the box office pages, drawn with the vendored Apache ECharts.
   Each .portal-chart element carries its data in data-chart (JSON: kind, categories, series)
   and the reader's language in data-locale (ECharts' own ZH or EN); the same numbers are in
   the table beside it, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }

  function option(data) {
    var twoAxes = data.series.some(function (s) { return s.axis === 1; });
    var yAxis = [{ type: "value" }];
    if (twoAxes) { yAxis.push({ type: "value", splitLine: { show: false } }); }
    if (data.series.length && data.series[0].percent) {
      yAxis[0].axisLabel = { formatter: "{value}%" };
    }
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: twoAxes ? 56 : 24, top: 36, bottom: 64 },
      xAxis: { type: "category", data: data.categories,
               axisLabel: { rotate: data.categories.length > 8 ? 35 : 0 } },
      yAxis: yAxis,
      series: data.series.map(function (s) {
        return { name: s.name, type: s.axis === 1 ? "line" : data.kind,
                 yAxisIndex: s.axis || 0, data: s.data, smooth: data.kind === "line" };
      })
    };
  }

  function draw(element) {
    var data;
    try { data = JSON.parse(element.getAttribute("data-chart")); } catch (e) { return; }
    if (!data || !data.categories || !data.categories.length) { return; }
    var chart = echarts.init(element, null, {
      renderer: "canvas", locale: element.getAttribute("data-locale") || "ZH" });
    chart.setOption(option(data));
    element.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll(".portal-chart").forEach(draw);
})();
