// Charts of the monitoring dashboard (data from the page's #chart-data JSON; no external requests).
(function () {
  var el = document.getElementById("chart-data");
  if (!el || !window.echarts) return;
  var d = JSON.parse(el.textContent);
  var narrow = window.innerWidth < 576;
  function chart(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    var c = echarts.init(node);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  var units = chart("chart-units");
  if (units) {
    var region = d.level === "region";
    units.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "category", data: d.names, axisLabel: { rotate: narrow ? 60 : 35, fontSize: 10 } },
      yAxis: { type: "value", name: region ? "%" : "人" },
      series: region ? [
        { name: "覆盖率", type: "bar", data: d.rate, itemStyle: { color: "#0d6efd" } },
        { name: "目标", type: "line", step: "middle", symbol: "none", data: d.target, lineStyle: { color: "#dc3545", type: "dashed" } }
      ] : [
        { name: "签约人数", type: "bar", data: d.signed, itemStyle: { color: "#0d6efd" } }
      ]
    });
  }
  var trend = chart("chart-trend");
  if (trend) {
    trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "category", data: d.trend.months },
      yAxis: { type: "value", name: "人" },
      series: [
        { name: "签约人数", type: "line", data: d.trend.all, showAllSymbol: true, symbolSize: 8 },
        { name: "重点人群", type: "line", data: d.trend.key, showAllSymbol: true, symbolSize: 8 }
      ]
    });
  }
})();
