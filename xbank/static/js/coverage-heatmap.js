/* The coverage heat map (课证融合): standard modules x courses of one curriculum.
   Data comes from the page's <script type="application/json" id="coverage-data"> (json_script),
   since the Content-Security-Policy forbids inline scripts. Redrawn after each htmx swap. */
(function () {
  "use strict";

  function render() {
    var el = document.getElementById("coverage-chart");
    var source = document.getElementById("coverage-data");
    if (!el || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    el.style.height = Math.max(260, 120 + data.courses.length * 24) + "px";
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption(
      {
        tooltip: {
          position: "top",
          // The tooltip is HTML: every name from the data is escaped (xbank.js).
          formatter: function (p) {
            var esc = window.xbank.escapeHtml;
            return (
              esc(data.courses[p.value[1]]) + " × " + esc(data.modules[p.value[0]]) + "：" +
              esc(p.value[2] ? data.covered : data.uncovered)
            );
          }
        },
        grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
        xAxis: {
          type: "category",
          data: data.modules,
          position: "top",
          splitArea: { show: true },
          axisLabel: { interval: 0, rotate: 40, fontSize: 10, width: 120, overflow: "truncate" }
        },
        yAxis: {
          type: "category",
          data: data.courses,
          inverse: true,
          splitArea: { show: true },
          axisLabel: { interval: 0, fontSize: 11, width: 160, overflow: "truncate" }
        },
        visualMap: {
          type: "piecewise",
          orient: "horizontal",
          left: "center",
          bottom: 0,
          pieces: [
            { value: 1, label: data.covered, color: "#198754" },
            { value: 0, label: data.uncovered, color: "#eef1f4" }
          ]
        },
        series: [
          {
            type: "heatmap",
            data: data.cells,
            itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
            emphasis: { itemStyle: { borderColor: "#333333", borderWidth: 1 } }
          }
        ]
      },
      true
    );
    chart.resize();
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
  window.addEventListener("resize", function () {
    var el = document.getElementById("coverage-chart");
    var chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (chart) {
      chart.resize();
    }
  });
})();
