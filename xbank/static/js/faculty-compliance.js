/* Examiner compliance bar chart (考评员达标): valid examiners per pilot major today and 90 days
   ahead, with the line of three. Reads its data from <script type="application/json"> written
   by json_script: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  var COLORS = { ok: "#198754", warning: "#ffc107", "short": "#dc3545" };

  function render(el) {
    var source = document.getElementById(el.getAttribute("data-compliance-chart"));
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [data.names.count, data.names.ahead] },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: {
          interval: 0,
          rotate: data.labels.length > 5 || el.clientWidth < 120 * data.labels.length ? 30 : 0,
          fontSize: 11
        }
      },
      yAxis: { type: "value", minInterval: 1, name: "人" },
      series: [
        {
          name: data.names.count,
          type: "bar",
          itemStyle: { color: COLORS.ok },
          data: data.count.map(function (value, i) {
            return { value: value, itemStyle: { color: COLORS[data.status[i]] } };
          }),
          label: { show: true, position: "top" },
          markLine: {
            symbol: "none",
            lineStyle: { color: "#6c757d", type: "dashed" },
            label: { position: "insideEndTop", formatter: data.names.minimum + " " + data.minimum },
            data: [{ yAxis: data.minimum }]
          }
        },
        { name: data.names.ahead, type: "bar", data: data.ahead, itemStyle: { color: "#adb5bd" } }
      ]
    });
  }

  function renderAll() {
    document.querySelectorAll("[data-compliance-chart]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", renderAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-compliance-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
