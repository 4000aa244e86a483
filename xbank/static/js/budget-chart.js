/* Budget execution bar charts (预算执行): limit vs spent, with the execution rate as a line.
   Each <div data-bar-chart="ID"> reads its data from <script type="application/json" id="ID">
   (json_script): the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  function money(value) {
    return Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function render(el) {
    var source = document.getElementById(el.getAttribute("data-bar-chart"));
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return money(value); }
      },
      legend: { top: 0, data: [data.names.limit, data.names.spent, data.names.rate] },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0, fontSize: 11 }
      },
      yAxis: [
        { type: "value", name: "元", axisLabel: { formatter: function (v) { return v >= 10000 ? v / 10000 + "万" : v; } } },
        { type: "value", name: "%", min: 0, max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, splitLine: { show: false } }
      ],
      series: [
        { name: data.names.limit, type: "bar", data: data.limit, itemStyle: { color: "#9ec5fe" } },
        { name: data.names.spent, type: "bar", data: data.spent, itemStyle: { color: "#0d6efd" } },
        {
          name: data.names.rate,
          type: "line",
          yAxisIndex: 1,
          data: data.rate,
          itemStyle: { color: "#dc3545" },
          label: { show: true, formatter: "{c}%", fontSize: 10 },
          tooltip: { valueFormatter: function (value) { return value + "%"; } }
        }
      ]
    });
  }

  function renderAll() {
    document.querySelectorAll("[data-bar-chart]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", renderAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-bar-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
