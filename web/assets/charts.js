/* The 统计 page's charts: Apache ECharts (only the parts used here), bundled by esbuild in the
 * setup step (`npm run build`) into web/static/vendor/charts/, never committed.
 *
 * The page holds its numbers as JSON, <script type="application/json" id="chart-data">,
 * every text already translated by the template, so nothing here is in any language:
 *   { "bar": { "title", "categories": [unit name],
 *              "series": [{ "key", "name", "data": [rate in % | null], "counts": [count], "bases": [base] }] } | null,
 *     "pie": { "title", "data": [{ "key", "name", "value" }], "empty": "暂无数据" } | null,
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

/* A box narrower than this (a phone's: 313 px at 390) has no room for a legend's items side by
 * side, nor for a pie's labels beside its slices ("Class A (resolution rate): 2" broke into a
 * few letters a line): there each legend item has a line of its own, under the title (a pie's
 * below it, with its count, "Class A (resolution rate): 2", and no labels on the slices), the
 * box taller by the legend's height. Wider, the legend is one scrollable line (ECharts cuts the
 * item at its end, shown whole on the next page). */
var NARROW = 480;
var LEGEND_LINE = 22; // a vertical legend's item (itemHeight 14) and the gap after it (itemGap 8)
var LEGEND_TOP = 32; // under the title

/* A legend of one item a line in a box `width` wide, placed as `more` says: a name too long
 * for the line ends in "…", said whole by its tooltip. */
function lineLegend(width, more) {
  return Object.assign({
    type: 'scroll',
    orient: 'vertical',
    left: 8,
    itemGap: LEGEND_LINE - 14,
    itemHeight: 14,
    textStyle: { width: Math.max(width - 56, 80), overflow: 'truncate' },
    tooltip: { show: true },
  }, more || {});
}

function legendHeight(count) {
  return count * LEGEND_LINE;
}

/* How wide a text of the axes (12 px) is drawn, to tell whether the units' names fit side by side. */
var measure = document.createElement('canvas').getContext('2d');
function textWidth(text) {
  measure.font = '12px sans-serif';
  return measure.measureText(text).width;
}

/* Whether the units' names under the bars (`names`, in a box `width` wide) are too wide to
 * stand side by side: the grid's width, less the value axis's labels ("100%"), shared out. */
function slanted(names, width) {
  var each = (width - 56) / Math.max(names.length, 1);
  return names.some(function (name) { return textWidth(name) + 4 > each; });
}

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
function barOption(bar, width) {
  var narrow = width < NARROW;
  var legendBottom = LEGEND_TOP + legendHeight(bar.series.length);
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
    legend: narrow ? lineLegend(width, { top: LEGEND_TOP }) : { type: 'scroll', top: 28 },
    grid: { top: narrow ? legendBottom + 16 : 72, left: 8, right: 16, bottom: 8, containLabel: true },
    // every unit named; slanted where the names do not fit side by side (containLabel makes room)
    xAxis: {
      type: 'category',
      data: bar.categories,
      axisLabel: { interval: 0, rotate: slanted(bar.categories, width) ? 45 : 0 },
    },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: bar.series.map(function (s) {
      return { type: 'bar', name: s.name, data: s.data };
    }),
  };
}

var PIE_NARROW = 200; // a narrow pie's height under its title: the pie, 160 px across

function pieOption(pie, width) {
  var data = pie.data.map(function (d) { return { name: d.name, value: d.value }; });
  var option = {
    title: Object.assign({ text: pie.title }, TITLE),
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [{
      type: 'pie',
      radius: '55%',
      center: ['50%', '52%'],
      label: { formatter: '{b}: {c}', overflow: 'break' },
      data: data,
    }],
  };
  if (width >= NARROW) { return option; }
  var counts = {};
  data.forEach(function (d) { counts[d.name] = d.value; });
  option.legend = lineLegend(width, {
    top: LEGEND_TOP + PIE_NARROW,
    formatter: function (name) { return name + ': ' + counts[name]; },
  });
  option.series[0].radius = PIE_NARROW / 2 - 20;
  option.series[0].center = ['50%', LEGEND_TOP + PIE_NARROW / 2];
  option.series[0].label = { show: false };
  option.series[0].labelLine = { show: false };
  return option;
}

/* A pie of nothing (every share 0: no proposal answered yet in the period) drew four equal
 * quarters, ECharts' default for a zero sum, read as "a quarter each": no slice, no label
 * and no legend then, the pie's `empty` text ("暂无数据") where it would be. */
function emptyPie(option, pie) {
  var series = option.series[0];
  series.stillShowZeroSum = false;
  series.label = { show: false };
  series.labelLine = { show: false };
  series.silent = true;
  option.legend = { show: false };
  option.tooltip = { show: false };
  option.title = [option.title, {
    text: pie.empty,
    left: 'center',
    top: Array.isArray(series.center) && typeof series.center[1] === 'number' ? series.center[1] - 8 : 'middle',
    textStyle: { fontSize: 14, fontWeight: 'normal', color: '#616e7c' },
  }];
  return option;
}

function pieOrNothing(pie, width) {
  var option = pieOption(pie, width);
  var total = pie.data.reduce(function (sum, d) { return sum + (d.value || 0); }, 0);
  return total > 0 ? option : emptyPie(option, pie);
}

/* The trend per month: one line per series (received, replied, on time). The months sit on
 * the axis's ends (no boundary gap), each label centred under its month: `containLabel` makes
 * room for the labels below the axis only, not beside it, so the grid leaves half a label
 * ("2026-12", about 46 px) on either side or the first and last month are cut off. */
function trendOption(trend, width) {
  var narrow = width < NARROW;
  var legendBottom = LEGEND_TOP + legendHeight(trend.series.length);
  return {
    title: Object.assign({ text: trend.title }, TITLE),
    tooltip: { trigger: 'axis' },
    legend: narrow ? lineLegend(width, { top: LEGEND_TOP }) : { type: 'scroll', top: 28 },
    grid: { top: narrow ? legendBottom + 16 : 72, left: 32, right: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: trend.months, boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: trend.series.map(function (s) {
      return { type: 'line', name: s.name, data: s.data, smooth: false, symbolSize: 6 };
    }),
  };
}

var OPTIONS = { bar: barOption, pie: pieOrNothing, trend: trendOption };

/* The height of a narrow box (`kind`'s chart of `chartData`): the page's (kept in data-height)
 * and its legend's lines; a pie's, the pie and its legend under the title. */
function narrowHeight(box, kind, chartData) {
  if (kind === 'pie') { return (LEGEND_TOP + PIE_NARROW + legendHeight(chartData.data.length) + 8) + 'px'; }
  return 'calc(' + box.dataset.height + ' + ' + legendHeight(chartData.series.length) + 'px)';
}

/* Lays the chart of `box` out for its width: its option and its height, set again only when
 * the box turns narrow or wide (otherwise the chart is only redrawn at its new size). */
function layOut(chart, box, chartData) {
  var kind = box.dataset.chart;
  var width = box.clientWidth;
  var narrow = width < NARROW;
  if (box.dataset.narrow === String(narrow)) { chart.resize(); return; }
  box.dataset.narrow = String(narrow);
  box.style.height = narrow ? narrowHeight(box, kind, chartData) : box.dataset.height;
  chart.resize();
  chart.setOption(OPTIONS[kind](chartData, width), true);
}

/* Draws the charts of `root` (the card) from `data` (the parsed JSON); returns the charts. */
function draw(root, data) {
  var drawn = [];
  root.hidden = false; // ECharts needs the boxes laid out to measure them
  root.querySelectorAll('[data-chart]').forEach(function (box) {
    var chartData = data[box.dataset.chart];
    if (!chartData) { box.hidden = true; return; }
    box.dataset.height = box.style.height;
    var chart = echarts.init(box, null, { renderer: 'canvas' });
    layOut(chart, box, chartData);
    drawn.push({ chart: chart, box: box, data: chartData });
  });
  // each box's own width, which the window's resize event does not always tell in time (the
  // card's layout changes under it); laid out in the next frame, as the height a box is given
  // would otherwise be observed within the observer's own round (a "ResizeObserver loop" error)
  var again = function () {
    window.requestAnimationFrame(function () {
      drawn.forEach(function (d) { layOut(d.chart, d.box, d.data); });
    });
  };
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(again);
    drawn.forEach(function (d) { observer.observe(d.box); });
  } else {
    window.addEventListener('resize', again);
  }
  root.dataset.ready = 'true';
  return drawn.map(function (d) { return d.chart; });
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
