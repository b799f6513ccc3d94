/**
 * The one inline script of every report page (plain ES2017, no template literals so it can live in
 * this string). It builds the DOM with textContent only — event fields are user data — and renders
 * the event list virtually (fixed row height, only visible rows exist) so 100,000 events stay fast.
 * ASCII only (write `\u2026`, not the character): esbuild cannot escape a raw string, and one non-ASCII
 * character makes Node decode the CLI's whole start chunk, which holds this script, the slow way.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmtMs(ms) {
    if (!isFinite(ms)) return '';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    if (ms < 3600000) return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
    return Math.floor(ms / 3600000) + ' h ' + Math.round((ms % 3600000) / 60000) + ' min';
  }

  // Sortable tables: click a header; cells may carry data-value for numeric order.
  function initSortable(table) {
    var heads = table.querySelectorAll('th[data-sort]');
    Array.prototype.forEach.call(heads, function (th) {
      th.style.cursor = 'pointer';
      th.addEventListener('click', function () {
        var col = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.getAttribute('data-sort') === 'num';
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var tbody = table.tBodies[0];
        var rows = Array.prototype.slice.call(tbody.rows);
        rows.sort(function (a, b) {
          var ca = a.cells[col], cb = b.cells[col];
          var va = ca ? (ca.getAttribute('data-value') || ca.textContent) : '';
          var vb = cb ? (cb.getAttribute('data-value') || cb.textContent) : '';
          if (numeric) return dir * ((parseFloat(va) || 0) - (parseFloat(vb) || 0));
          return dir * String(va).localeCompare(String(vb));
        });
        rows.forEach(function (r) { tbody.appendChild(r); });
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), initSortable);

  // Row filters: every select[data-filter] keeps rows whose data-<name> equals its value.
  var rowFilters = document.querySelectorAll('select[data-filter]');
  function applyRowFilters() {
    var table = $('session-index');
    if (!table) return;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var ok = true;
      Array.prototype.forEach.call(rowFilters, function (s) {
        if (s.value && row.getAttribute('data-' + s.getAttribute('data-filter')) !== s.value) ok = false;
      });
      row.hidden = !ok;
      if (ok) shown++;
    });
    var count = $('index-count');
    if (count) count.textContent = shown + ' of ' + table.tBodies[0].rows.length + ' sessions';
  }
  Array.prototype.forEach.call(rowFilters, function (s) { s.addEventListener('change', applyRowFilters); });
  if (rowFilters.length) applyRowFilters();

  var dataEl = $('events-data');
  if (dataEl) initEvents(JSON.parse(dataEl.textContent));
  document.body.setAttribute('data-ready', '1');
  if (window.performance && performance.mark) performance.mark('osiris-ready');

  function initEvents(d) {
    var n = d.rows.length, ROW = 22;
    var times = new Float64Array(n), nameOf = new Int32Array(n), stepOf = new Int32Array(n);
    var t = d.base, t0 = NaN;
    for (var i = 0; i < n; i++) {
      var r = d.rows[i];
      if (typeof r[0] === 'number') { t += r[0]; times[i] = t; if (isNaN(t0)) t0 = t; } else times[i] = NaN;
      nameOf[i] = r[1]; stepOf[i] = r[2];
    }
    var viewport = $('ev-viewport'), spacer = $('ev-spacer'), detail = $('ev-detail');
    var stepSel = $('ev-step'), nameSel = $('ev-name'), search = $('ev-search'), count = $('ev-count');
    var chips = document.querySelectorAll('#ev-chips .chip');
    var names = {}; // selected event names (none selected = all)
    var texts = null, visible = null, selected = -1;

    function fields(i) {
      var r = d.rows[i], keys = d.shapes[r[3]], o = {};
      for (var k = 0; k < keys.length; k++) o[keys[k]] = r[4 + k];
      return o;
    }
    function record(i) {
      var o = { ts: isNaN(times[i]) ? d.rows[i][0] : new Date(times[i]).toISOString(), event: d.names[nameOf[i]] };
      if (stepOf[i]) o.step_id = d.steps[stepOf[i]];
      var f = fields(i);
      for (var k in f) o[k] = f[k];
      return o;
    }
    function summary(i) {
      var r = d.rows[i], keys = d.shapes[r[3]], parts = [];
      for (var k = 0; k < keys.length; k++) {
        var v = r[4 + k];
        parts.push(keys[k] + '=' + (typeof v === 'string' ? v : JSON.stringify(v)));
      }
      var s = parts.join('  ');
      return s.length > 400 ? s.slice(0, 400) + '\u2026' : s;
    }
    function searchText(i) {
      if (!texts) texts = new Array(n);
      var s = texts[i];
      if (s === undefined) {
        s = (d.names[nameOf[i]] + ' ' + d.steps[stepOf[i]] + ' ' + JSON.stringify(d.rows[i].slice(4))).toLowerCase();
        texts[i] = s;
      }
      return s;
    }
    function anyName() { for (var k in names) return true; return false; }
    function filter() {
      var step = stepSel.value, q = search.value.trim().toLowerCase();
      var stepId = step === '' ? -1 : step === '(run)' ? 0 : d.steps.indexOf(step);
      if (step !== '' && stepId < 0) stepId = -2; // a step without events: nothing matches
      var nameIds = null;
      if (anyName()) { nameIds = {}; for (var k in names) nameIds[d.names.indexOf(k)] = true; }
      if (stepId === -1 && !nameIds && !q) { visible = null; return; }
      var out = [];
      for (var i = 0; i < n; i++) {
        if (stepId !== -1 && stepOf[i] !== stepId) continue;
        if (nameIds && !nameIds[nameOf[i]]) continue;
        if (q && searchText(i).indexOf(q) < 0) continue;
        out.push(i);
      }
      visible = out;
    }
    function total() { return visible ? visible.length : n; }
    function at(pos) { return visible ? visible[pos] : pos; }
    var pending = false;
    function render() {
      pending = false;
      var h = viewport.clientHeight || 480;
      var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 5);
      var last = Math.min(total(), first + Math.ceil(h / ROW) + 10);
      var frag = document.createDocumentFragment();
      for (var p = first; p < last; p++) {
        var i = at(p), name = d.names[nameOf[i]];
        var row = el('div', 'ev-row' + (i === selected ? ' selected' : ''));
        row.style.top = (p * ROW) + 'px';
        row.setAttribute('data-index', String(i));
        row.setAttribute('data-event', name);
        row.appendChild(el('span', 'n', '#' + (i + 1)));
        row.appendChild(el('span', 't', isNaN(times[i]) ? String(d.rows[i][0]) : '+' + fmtMs(times[i] - t0)));
        row.appendChild(el('span', 'e' + (name === 'step_failed' || name === 'input_resolution_failed' || name === 'driver_registration_failed' ? ' bad' : ''), name));
        if (stepOf[i]) row.appendChild(el('span', 's', d.steps[stepOf[i]]));
        row.appendChild(el('span', 'f', summary(i)));
        frag.appendChild(row);
      }
      spacer.textContent = '';
      spacer.style.height = (total() * ROW) + 'px';
      spacer.appendChild(frag);
      count.textContent = (visible ? total() + ' of ' + n : n) + ' events';
    }
    function schedule() { if (!pending) { pending = true; requestAnimationFrame(render); } }
    function syncChips() {
      Array.prototype.forEach.call(chips, function (c) {
        c.setAttribute('aria-pressed', names[c.getAttribute('data-event')] ? 'true' : 'false');
      });
      var keys = Object.keys(names);
      nameSel.value = keys.length === 1 ? keys[0] : '';
    }
    function apply() { filter(); viewport.scrollTop = 0; render(); }
    viewport.addEventListener('scroll', schedule);
    window.addEventListener('resize', schedule);
    spacer.addEventListener('click', function (ev) {
      var row = ev.target.closest ? ev.target.closest('.ev-row') : null;
      if (!row) return;
      selected = Number(row.getAttribute('data-index'));
      detail.textContent = JSON.stringify(record(selected), null, 2);
      render();
    });
    stepSel.addEventListener('change', apply);
    nameSel.addEventListener('change', function () {
      names = {};
      if (nameSel.value) names[nameSel.value] = true;
      syncChips();
      apply();
    });
    var timer = 0;
    search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(apply, 150); });
    Array.prototype.forEach.call(chips, function (c) {
      c.addEventListener('click', function () {
        var k = c.getAttribute('data-event');
        if (names[k]) delete names[k]; else names[k] = true;
        syncChips();
        apply();
      });
    });
    $('ev-reset').addEventListener('click', function () {
      names = {}; stepSel.value = ''; search.value = ''; syncChips(); apply();
    });
    function focusStep(step) {
      stepSel.value = step;
      apply();
      var section = $('events');
      if (section && section.scrollIntoView) section.scrollIntoView();
    }
    Array.prototype.forEach.call(document.querySelectorAll('[data-filter-step]'), function (b) {
      b.addEventListener('click', function () { focusStep(b.getAttribute('data-filter-step')); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('#step-graph .node, #timeline-bars .tl-bar'), function (g) {
      g.style.cursor = 'pointer';
      g.addEventListener('click', function () { focusStep(g.getAttribute('data-step')); });
    });
    render();
  }
})();
`;
