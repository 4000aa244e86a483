/* Charts of the reports dashboard (统计看板). Each <div data-report-chart="KEY"> draws the entry
   KEY of the JSON in <script id="report-charts"> (json_script: the Content-Security-Policy
   forbids inline scripts). Every bar carries the URL of the named list behind it: clicking a bar
   opens that list, like clicking the figure in the table below the chart.

   Kinds: "stacked" (years on the axis, one stacked series per certificate, an optional
   percentage line), "grouped-columns" (years on the axis, side by side) and "grouped" (rows,
   e.g. majors, on the axis, one series per figure). */
(function () {
  "use strict";

  var COLORS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#198754", "#0dcaf0",
    "#ffc107", "#6c757d", "#6610f2"];

  function series(data) {
    var stacked = data.kind === "stacked";
    var out = data.series.map(function (s) {
      return {
        name: s.name,
        type: "bar",
        stack: stacked ? "total" : undefined,
        emphasis: { focus: "series" },
        data: s.data.map(function (p) { return { value: p.value, url: p.url }; })
      };
    });
    if (data.line) {
      out.push({
        name: data.line.name,
        type: "line",
        yAxisIndex: 1,
        data: data.line.data.map(function (p) { return p.value; }),
        itemStyle: { color: "#dc3545" },
        label: { show: true, formatter: "{c}%", fontSize: 10 },
        tooltip: { valueFormatter: function (v) { return v === null ? "—" : v + "%"; } }
      });
    }
    return out;
  }

  function render(el, all) {
    var data = all[el.getAttribute("data-report-chart")];
    if (!data || !window.echarts) {
      return;
    }
    var horizontal = data.kind === "grouped" && data.categories.length > 6;
    var category = {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, fontSize: 11, rotate: !horizontal && data.categories.length > 6 ? 30 : 0 }
    };
    var value = { type: "value", minInterval: 1 };
    var yAxis = horizontal ? category : [value];
    if (!horizontal && data.line) {
      yAxis.push({ type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } });
    }
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption({
      color: COLORS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: yAxis,
      series: series(data)
    });
    if (horizontal) {
      el.style.height = Math.max(300, 40 + data.categories.length * 28 * Math.max(1, data.series.length / 2)) + "px";
      chart.resize();
    }
    chart.off("click");
    chart.on("click", function (params) {
      if (params.data && params.data.url) {
        window.location.href = params.data.url;
      }
    });
  }

  function renderAll() {
    var source = document.getElementById("report-charts");
    if (!source) {
      return;
    }
    var all = JSON.parse(source.textContent);
    document.querySelectorAll("[data-report-chart]").forEach(function (el) { render(el, all); });
  }

  document.addEventListener("DOMContentLoaded", renderAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
