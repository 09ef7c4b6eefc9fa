// Browser side of the live dashboard (scripts/report/dashboard.ts, docs/report.md#live-dashboard): polls
// GET api/samples?after=<seq> once per interval and redraws three uPlot charts and the "now" table. When the server
// stops (the sim ended) the status line says so and polling stops after a few failures.
/* global window, document */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('page-data').textContent);
  var replicas = config.replicas;
  var colours = config.colours;
  var samples = [];
  var lastSeq = 0;
  var failures = 0;
  var charts = {};
  var state = (window.dashboardState = { polls: 0, samples: 0, lastSeq: 0, connected: false });

  var legend = document.getElementById('legend');
  legend.innerHTML = replicas
    .map(function (r) {
      return '<span><span class="swatch" style="background:' + colours[r] + '"></span>' + escapeHtml(r) + '</span>';
    })
    .join('');

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function valueOf(sample, replica, field) {
    for (var i = 0; i < sample.replicas.length; i++) {
      if (sample.replicas[i].replica === replica) return sample.replicas[i][field];
    }
    return null;
  }

  function spec(id, field, yLabel, unit, decimals) {
    return {
      id: id,
      xLabel: 'time',
      xTime: true,
      yLabel: yLabel,
      unit: unit,
      yDecimals: decimals,
      liveLegend: true,
      height: 240,
      x: samples.map(function (s) {
        return s.at / 1000;
      }),
      series: replicas.map(function (r) {
        return {
          label: r,
          colour: colours[r],
          values: samples.map(function (s) {
            return valueOf(s, r, field);
          }),
        };
      }),
    };
  }

  var views = [
    ['chart-rate', 'requestsPerSecond', 'requests/s', 'req/s', 1],
    ['chart-inflight', 'inflight', 'inflight requests', '', 0],
    ['chart-429', 'tooManyRequestsPerSecond', '429s/s', '429/s', 1],
  ];

  function draw() {
    views.forEach(function (v) {
      var s = spec(v[0], v[1], v[2], v[3], v[4]);
      if (charts[v[0]]) charts[v[0]].update(s);
      else charts[v[0]] = window.L7Charts.lineChart(document.getElementById(v[0]), s);
    });
    var last = samples[samples.length - 1];
    var rows = replicas.map(function (r) {
      var rate = valueOf(last, r, 'requestsPerSecond');
      var inflight = valueOf(last, r, 'inflight');
      var tooMany = valueOf(last, r, 'tooManyRequests');
      var fmt = function (x, d) {
        return x === null || x === undefined ? 'n/a' : x.toFixed(d);
      };
      return (
        '<tr><td><span class="swatch" style="background:' +
        colours[r] +
        '"></span>' +
        escapeHtml(r) +
        '</td><td data-field="rate">' +
        fmt(rate, 1) +
        '</td><td>' +
        fmt(inflight, 0) +
        '</td><td>' +
        fmt(tooMany, 0) +
        '</td></tr>'
      );
    });
    var errors = last.errors.length
      ? '<p class="small" style="color:var(--bad)">scrape failed: ' +
        last.errors
          .map(function (e) {
            return escapeHtml(e.replica + ': ' + e.message);
          })
          .join('; ') +
        '</p>'
      : '';
    document.getElementById('now').innerHTML =
      '<table><thead><tr><th>replica</th><th>req/s</th><th>inflight</th><th>429s (last ' +
      (last.intervalMs / 1000).toFixed(1) +
      ' s)</th></tr></thead><tbody>' +
      rows.join('') +
      '</tbody></table>' +
      errors;
  }

  function setStatus(text, bad) {
    var el = document.getElementById('status');
    el.textContent = text;
    el.style.color = bad ? 'var(--bad)' : '';
  }

  function poll() {
    fetch('api/samples?after=' + lastSeq, { cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (body) {
        failures = 0;
        state.polls++;
        state.connected = true;
        if (body.samples.length) {
          samples = samples.concat(body.samples).slice(-600);
          lastSeq = body.samples[body.samples.length - 1].seq;
          state.samples = samples.length;
          state.lastSeq = lastSeq;
          draw();
          setStatus('live · sample #' + lastSeq + ' at ' + new Date(samples[samples.length - 1].at).toLocaleTimeString(), false);
        }
        setTimeout(poll, config.intervalMs);
      })
      .catch(function () {
        failures++;
        state.connected = false;
        setStatus('the dashboard server does not answer (the sim has stopped?)' + (failures >= 5 ? '; polling stopped' : ''), true);
        if (failures < 5) setTimeout(poll, config.intervalMs * 2);
      });
  }
  poll();
})();
