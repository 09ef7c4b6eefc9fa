// Browser side of the report and the dashboard (inlined into each page with uPlot, docs/report.md): draws the line
// charts that scripts/report/charts.ts describes as specs, marks timeline events, and records every chart it drew
// in window.chartRegistry (series and finite points) so that a reader or a test can tell a drawn chart from an
// empty one.
/* global uPlot, window, document */
(function () {
  'use strict';

  var registry = (window.chartRegistry = window.chartRegistry || []);

  function finiteCount(values) {
    var n = 0;
    for (var i = 0; i < values.length; i++) if (typeof values[i] === 'number' && isFinite(values[i])) n++;
    return n;
  }

  function formatter(decimals, unit) {
    return function (_u, v) {
      // null: no data at the cursor (or no cursor over the chart).
      if (v === null || v === undefined || !isFinite(v)) return '–';
      return v.toFixed(decimals) + (unit ? ' ' + unit : '');
    };
  }

  /** Vertical dashed markers with the event's name; a light band while the event was being applied. */
  function eventsPlugin(events) {
    return {
      hooks: {
        draw: [
          function (u) {
            var ctx = u.ctx;
            var px = uPlot.pxRatio || 1;
            var top = u.bbox.top;
            var bottom = u.bbox.top + u.bbox.height;
            var right = u.bbox.left + u.bbox.width;
            ctx.save();
            ctx.font = 12 * px + 'px system-ui, sans-serif';
            ctx.textBaseline = 'top';
            ctx.textAlign = 'left';
            events.forEach(function (ev, i) {
              var x = Math.round(u.valToPos(ev.at, 'x', true));
              if (typeof ev.until === 'number' && isFinite(ev.until)) {
                var x2 = Math.round(u.valToPos(ev.until, 'x', true));
                ctx.fillStyle = 'rgba(110, 110, 110, 0.13)';
                ctx.fillRect(x, top, Math.max(1, Math.min(x2, right) - x), bottom - top);
              }
              ctx.strokeStyle = '#333';
              ctx.lineWidth = 1.5 * px;
              ctx.setLineDash([6 * px, 4 * px]);
              ctx.beginPath();
              ctx.moveTo(x + 0.5, top);
              ctx.lineTo(x + 0.5, bottom);
              ctx.stroke();
              ctx.setLineDash([]);
              var label = ev.label;
              var w = ctx.measureText(label).width;
              var lx = x + 4 * px + w > right ? x - 4 * px - w : x + 4 * px;
              var ly = top + 4 * px + (i % 3) * 16 * px;
              ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
              ctx.fillRect(lx - 2 * px, ly - 1 * px, w + 4 * px, 15 * px);
              ctx.fillStyle = '#111';
              ctx.fillText(label, lx, ly);
            });
            ctx.restore();
          },
        ],
      },
    };
  }

  function buildOptions(spec, width) {
    var decimals = typeof spec.yDecimals === 'number' ? spec.yDecimals : 1;
    var yMax = spec.yMax;
    return {
      width: width,
      height: spec.height || 230,
      cursor: { drag: { x: false, y: false } },
      legend: {
        show: spec.legend !== false,
        live: !!spec.liveLegend,
        markers: {
          fill: function (_u, i) {
            return i > 0 ? spec.series[i - 1].colour : 'transparent';
          },
        },
      },
      scales: {
        x: {
          time: !!spec.xTime,
          range: spec.xRange
            ? function () {
                return spec.xRange;
              }
            : undefined,
        },
        y: {
          range: function (_u, _min, max) {
            var top = typeof yMax === 'number' && isFinite(yMax) && yMax > 0 ? yMax : max;
            if (top === null || !isFinite(top) || top <= 0) top = 1;
            return [0, spec.yMax ? top : top * 1.1];
          },
        },
      },
      axes: [
        {
          label: spec.xLabel,
          labelSize: 20,
          stroke: '#222',
          grid: { stroke: '#e4e4e4', width: 1 },
          ticks: { stroke: '#ccc', width: 1 },
          font: '12px system-ui, sans-serif',
          labelFont: '12px system-ui, sans-serif',
          values: spec.xTime
            ? undefined
            : function (_u, vals) {
                return vals.map(function (v) {
                  return v + ' s';
                });
              },
        },
        {
          label: spec.yLabel,
          labelSize: 22,
          size: 52,
          stroke: '#222',
          grid: { stroke: '#e4e4e4', width: 1 },
          ticks: { stroke: '#ccc', width: 1 },
          font: '12px system-ui, sans-serif',
          labelFont: '12px system-ui, sans-serif',
        },
      ],
      series: [{ label: spec.xTime ? 'time' : spec.xLabel, value: spec.xTime ? undefined : formatter(1, 's') }].concat(
        spec.series.map(function (s) {
          return {
            label: s.label,
            stroke: s.colour,
            width: 2.5,
            dash: s.dash,
            spanGaps: false,
            points: { show: !!spec.showPoints, size: 7, width: 1, fill: s.colour, stroke: s.colour },
            value: formatter(decimals, spec.unit),
          };
        }),
      ),
      plugins: spec.events && spec.events.length ? [eventsPlugin(spec.events)] : [],
    };
  }

  function dataOf(spec) {
    return [spec.x].concat(
      spec.series.map(function (s) {
        return s.values;
      }),
    );
  }

  function record(spec) {
    var points = 0;
    spec.series.forEach(function (s) {
      points += finiteCount(s.values);
    });
    return {
      id: spec.id,
      series: spec.series.length,
      points: points,
      colours: spec.series.map(function (s) {
        return s.colour;
      }),
    };
  }

  /** Draws one chart into `el`; returns an object with update(spec) for live pages. */
  function lineChart(el, spec) {
    var width = Math.max(260, Math.floor(el.clientWidth || 400));
    var chart = new uPlot(buildOptions(spec, width), dataOf(spec), el);
    var entry = record(spec);
    registry.push(entry);
    el.setAttribute('data-rendered', String(entry.points));
    return {
      chart: chart,
      update: function (next) {
        spec = next;
        chart.setData(dataOf(next));
        var updated = record(next);
        entry.points = updated.points;
        el.setAttribute('data-rendered', String(updated.points));
      },
      resize: function () {
        chart.setSize({ width: Math.max(260, Math.floor(el.clientWidth || 400)), height: spec.height || 230 });
      },
    };
  }

  /** Renders every spec in the JSON element `dataId` into the element with the spec's id. */
  function renderAll(specs) {
    var charts = [];
    specs.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (el) charts.push(lineChart(el, spec));
    });
    var timer;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        charts.forEach(function (c) {
          c.resize();
        });
      }, 150);
    });
    return charts;
  }

  window.L7Charts = { lineChart: lineChart, renderAll: renderAll };
})();
