/* The 统计 page's charts: Apache ECharts (only the parts used here), bundled by esbuild in the
 * setup step (`npm run build`) into web/static/vendor/charts/, never committed.
 *
 * The page holds its numbers as JSON, <script type="application/json" id="chart-data">,
 * every text already translated by the template, so nothing here is in any language:
 *   { "bar": { "title", "categories": [unit name],
 *              "series": [{ "key", "name", "data": [rate in % | null], "counts": [count], "bases": [base] }] } | null,
 *     "pie": { "title", "data": [{ "key", "name", "value" }] } | null,
 *     "trend": { "title", "months": ["YYYY-MM"], "series": [{ "key", "name", "data": [count] }] } | null }
 * The boxes it draws into are [data-chart="bar"] / [data-chart="pie"] / [data-chart="trend"]
 * inside #charts (the trend's may sit in a card of its own, #trend-charts), a card
 * the page sends hidden: it is shown only once the charts are drawn, so without this bundle
 * (or with an error in it) the page is its tables, as before. */
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

var TITLE = { left: 'center', textStyle: { fontSize: 14, fontWeight: 'normal' } };

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}

/* A rate as the tables write it: "85.7%", none (a base of 0) "—". */
function percent(value) {
  return value === null || value === undefined ? '—' : value.toFixed(1) + '%';
}

/* The rates per unit: one bar per rate (named as a rate), on an axis of 0–100 %; the tooltip
 * says each rate with its count and base, "满意率（最终评价）: 85.7% (6/7)". */
function barOption(bar) {
  return {
    title: Object.assign({ text: bar.title }, TITLE),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: function (items) {
        var lines = items.length ? [escapeHtml(items[0].name)] : [];
        items.forEach(function (item) {
          var s = bar.series[item.seriesIndex];
          var i = item.dataIndex;
          lines.push(item.marker + escapeHtml(s.name) + ': ' + percent(s.data[i]) +
            ' (' + s.counts[i] + '/' + s.bases[i] + ')');
        });
        return lines.join('<br>');
      },
    },
    legend: { type: 'scroll', top: 28 },
    grid: { top: 72, left: 8, right: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: bar.categories, axisLabel: { interval: 0 } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: bar.series.map(function (s) {
      return { type: 'bar', name: s.name, data: s.data };
    }),
  };
}

function pieOption(pie) {
  return {
    title: Object.assign({ text: pie.title }, TITLE),
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [{
      type: 'pie',
      radius: '55%',
      center: ['50%', '52%'],
      label: { formatter: '{b}: {c}', overflow: 'break' },
      data: pie.data.map(function (d) { return { name: d.name, value: d.value }; }),
    }],
  };
}

/* The trend per month: one line per series (received, replied, on time). The months sit on
 * the axis's ends (no boundary gap), each label centred under its month: `containLabel` makes
 * room for the labels below the axis only, not beside it, so the grid leaves half a label
 * ("2026-12", about 46 px) on either side or the first and last month are cut off. */
function trendOption(trend) {
  return {
    title: Object.assign({ text: trend.title }, TITLE),
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 28 },
    grid: { top: 72, left: 32, right: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: trend.months, boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: trend.series.map(function (s) {
      return { type: 'line', name: s.name, data: s.data, smooth: false, symbolSize: 6 };
    }),
  };
}

/* Draws the charts of `root` (the card) from `data` (the parsed JSON); returns the charts. */
function draw(root, data) {
  var options = {
    bar: data.bar && barOption(data.bar),
    pie: data.pie && pieOption(data.pie),
    trend: data.trend && trendOption(data.trend),
  };
  var charts = [];
  root.hidden = false; // ECharts needs the boxes laid out to measure them
  root.querySelectorAll('[data-chart]').forEach(function (box) {
    var option = options[box.dataset.chart];
    if (!option) { box.hidden = true; return; }
    var chart = echarts.init(box, null, { renderer: 'canvas' });
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  root.dataset.ready = 'true';
  return charts;
}

function start() {
  var root = document.getElementById('charts');
  var source = document.getElementById('chart-data');
  if (!root || !source) { return; }
  try {
    draw(root, JSON.parse(source.textContent));
  } catch (err) {
    root.hidden = true; // the tables below still tell every number
    root.dataset.ready = 'error';
    if (window.console) { window.console.error('charts:', err); }
  }
}

/* `chartOf(box)`: the ECharts instance drawn in a box (the browser tests read its option and labels). */
window.CongressFlowCharts = {
  draw: draw,
  start: start,
  chartOf: function (box) { return echarts.getInstanceByDom(box); },
};

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
