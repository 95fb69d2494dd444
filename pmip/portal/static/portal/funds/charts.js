/* Charts of the money pages (ECharts, SVG renderer). Each chart is an element
 *   <div data-chart="balance|quarters|repairs" data-source="<id of a json_script>" data-key="<key in it>">
 * rendered from the JSON the page embedded with json_script (amounts are decimal strings). After rendering the
 * element gets data-chart-state="ok" | "empty" | "error" (tests and support read it). Sized for 375 px phones. */
(function () {
  "use strict";

  var GREEN = "#07c160";
  var RED = "#fa5151";
  var BLUE = "#1485ee";
  var PALETTE = ["#07c160", "#1485ee", "#fa9d3b", "#6467f0", "#1aad9b", "#fa5151", "#8a8a8a", "#c87d2f"];
  var charts = {};

  function yuan(value) {
    var n = Number(value);
    return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 元";
  }

  function compact(value) {
    var n = Number(value);
    var abs = Math.abs(n);
    if (abs >= 1e8) return +(n / 1e8).toFixed(2) + "亿";
    if (abs >= 1e4) return +(n / 1e4).toFixed(2) + "万";
    return String(+n.toFixed(2));
  }

  var base = {
    textStyle: { fontSize: 11 },
    grid: { left: 8, right: 14, top: 34, bottom: 8, containLabel: true },
    tooltip: { confine: true, textStyle: { fontSize: 12 } },
    animation: false, // draw at once: phones scroll past, screenshots and tests see the final chart
  };

  function withBase(option) {
    var out = {};
    Object.keys(base).forEach(function (k) { out[k] = base[k]; });
    Object.keys(option).forEach(function (k) { out[k] = option[k]; });
    return out;
  }

  var builders = {
    balance: function (data, el) {
      if (!data || !data.length) return null;
      var points = data.map(function (p) { return [p[0], Number(p[1])]; });
      return withBase({
        color: [GREEN],
        tooltip: {
          confine: true,
          trigger: "axis",
          textStyle: { fontSize: 12 },
          valueFormatter: function (v) { return yuan(v); },
        },
        xAxis: {
          type: "time",
          axisLabel: { fontSize: 10, hideOverlap: true, formatter: "{yyyy}-{MM}" },
          splitNumber: 4,
        },
        yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10, formatter: compact }, splitNumber: 4 },
        series: [{
          name: "余额",
          type: "line",
          step: el.dataset.step ? "end" : false,
          symbolSize: points.length > 24 ? 0 : 5,
          areaStyle: { opacity: 0.12 },
          data: points,
        }],
      });
    },

    quarters: function (data) {
      if (!data || !data.labels || !data.labels.length) return null;
      return withBase({
        color: [GREEN, RED],
        legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
        tooltip: {
          confine: true,
          trigger: "axis",
          axisPointer: { type: "shadow" },
          textStyle: { fontSize: 12 },
          valueFormatter: function (v) { return yuan(v); },
        },
        xAxis: {
          type: "category",
          data: data.labels,
          axisLabel: { fontSize: 10, interval: 0, rotate: data.labels.length > 4 ? 35 : 0 },
        },
        yAxis: { type: "value", axisLabel: { fontSize: 10, formatter: compact }, splitNumber: 4 },
        series: [
          { name: "收入", type: "bar", barMaxWidth: 18, data: data.income.map(Number) },
          { name: "支出", type: "bar", barMaxWidth: 18, data: data.expense.map(Number) },
        ],
      });
    },

    repairs: function (data, el) {
      var rows = (data && data[el.dataset.series || "by_building"]) || [];
      if (!rows.length) return null;
      rows = rows.slice(0, 10).reverse(); // largest on top of a horizontal bar chart
      return withBase({
        color: [BLUE],
        grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
        tooltip: {
          confine: true,
          trigger: "item",
          textStyle: { fontSize: 12 },
          formatter: function (p) { return p.name + "<br>" + yuan(p.value); },
        },
        xAxis: { type: "value", axisLabel: { fontSize: 10, formatter: compact }, splitNumber: 3 },
        yAxis: {
          type: "category",
          data: rows.map(function (r) { return r[0]; }),
          axisLabel: { fontSize: 11, width: 120, overflow: "truncate" },
        },
        series: [{
          name: "维修使用",
          type: "bar",
          barMaxWidth: 16,
          itemStyle: { color: function (p) { return PALETTE[p.dataIndex % PALETTE.length]; } },
          label: { show: true, position: "right", fontSize: 10, formatter: function (p) { return compact(p.value); } },
          data: rows.map(function (r) { return Number(r[1]); }),
        }],
      });
    },
  };

  function sourceData(el) {
    var src = document.getElementById(el.dataset.source);
    var parsed = JSON.parse(src.textContent);
    return el.dataset.key ? parsed[el.dataset.key] : parsed;
  }

  function render(el) {
    try {
      if (typeof echarts === "undefined") throw new Error("ECharts did not load");
      var option = builders[el.dataset.chart](sourceData(el), el);
      var old = charts[el.id];
      if (old) { old.dispose(); delete charts[el.id]; }
      if (!option) {
        el.dataset.chartState = "empty";
        el.textContent = "暂无数据";
        return;
      }
      el.textContent = "";
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      charts[el.id] = chart;
      el.dataset.chartState = "ok";
    } catch (err) {
      el.dataset.chartState = "error";
      el.dataset.chartError = String(err && err.message ? err.message : err);
      if (window.console) console.error("chart " + el.id + ": " + el.dataset.chartError);
    }
  }

  function init(root) {
    (root || document).querySelectorAll("[data-chart]:not([data-chart-state])").forEach(render);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-for][data-series]");
    if (!button) return;
    var el = document.getElementById(button.dataset.for);
    if (!el) return;
    el.dataset.series = button.dataset.series;
    button.parentNode.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    render(el);
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
