/* The inspector page's toolkit: building elements (always as text, never markup), asking the
 * inspector's JSON views, formatting times and values, and drawing SVG charts. Used by app.js
 * through window.InspectorKit. */
(function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';
  var SYMBOLS = {gt: '>', lt: '<', eq: '=', geq: '≥', leq: '≤', neq: '≠'};

  // ------------------------------------------------------------------ helpers
  function add(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function set(node, attrs) {
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key.slice(0, 2) === 'on') { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? '' : String(value)); }
    });
    return node;
  }

  function h(tag, attrs) {
    var node = set(document.createElement(tag), attrs);
    add(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }

  function s(tag, attrs) {
    var node = set(document.createElementNS(SVG, tag), attrs);
    add(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }

  function api(view, params) {
    var query = Object.keys(params || {}).filter(function (k) {
      return params[k] !== undefined && params[k] !== null && params[k] !== '';
    }).map(function (k) {
      return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]);
    }).join('&');
    return fetch('api/' + view + (query ? '?' + query : ''), {cache: 'no-store'}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || ('HTTP ' + r.status)); }
        return body;
      });
    });
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function time(ts, short) {
    if (ts === null || ts === undefined) { return ''; }
    var d = new Date(ts * 1000);
    var clock = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
    if (short) { return clock; }
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + clock;
  }

  function value(v) {
    if (typeof v === 'number') { return String(Math.round(v * 1e6) / 1e6); }
    return v === null || v === undefined ? '' : String(v);
  }

  function short(rid) { return rid ? rid.slice(0, 8) + '…' : ''; }

  function ref(item, view) {
    if (!item) { return h('span', {'class': 'muted'}, 'none'); }
    return h('a', {href: '#/' + (view || 'tree') + '/' + item.rid, 'class': 'ref', title: item.rid},
             h('span', {'class': 'type type-' + item.type}, item.type), ' ',
             item.name || short(item.rid));
  }

  function pill(status) {
    return status ? h('span', {'class': 'pill pill-' + status}, status) : null;
  }

  function aliases(list) {
    return (list || []).map(function (a) {
      return h('code', {'class': 'alias' + (a.own ? '' : ' foreign'),
                        title: a.own ? 'alias in its owner' : 'alias in client ' + a.client}, a.alias);
    });
  }

  function table(head, rows, attrs) {
    return h('table', attrs || {},
             h('thead', {}, h('tr', {}, head.map(function (c) { return h('th', {}, c); }))),
             h('tbody', {}, rows));
  }

  function row(cells, attrs) {
    return h('tr', attrs || {}, cells.map(function (c) { return h('td', {}, c); }));
  }

  function facts(pairs) {
    return h('dl', {'class': 'facts'}, pairs.filter(function (p) { return p; }).map(function (p) {
      return [h('dt', {}, p[0]), h('dd', {}, p[1])];
    }));
  }

  function secret(label, fetchIt) {
    var box = h('span', {'class': 'secret'});
    var button = h('button', {type: 'button', 'class': 'small', onclick: function () {
      fetchIt().then(function (text) {
        box.textContent = '';
        add(box, h('code', {'class': 'revealed'}, text === null ? '(none)' : text));
      }).catch(fail(box));
    }}, 'show ' + label);
    add(box, [h('span', {'class': 'muted'}, 'hidden '), button]);
    return box;
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  function ruleText(rule) {
    if (!rule) { return ''; }
    var kind = Object.keys(rule)[0];
    var spec = rule[kind];
    if (kind === 'script') { return 'script (stored, never run)'; }
    var test = spec.comparison ? 'value ' + (SYMBOLS[spec.comparison] || spec.comparison) + ' ' + spec.constant : '';
    var text = {
      simple: test,
      timeout: 'no value for ' + spec.timeout + ' s',
      interval: test + ', every ' + spec.timeout + ' s while true',
      duration: test + ' for ' + spec.timeout + ' s',
      count: spec.count + ' values with ' + test + ' within ' + spec.timeout + ' s'
    }[kind] || JSON.stringify(spec);
    return kind + ': ' + text + (spec.repeat ? ' (repeat)' : '');
  }

  function fail(node) {
    return function (error) {
      node.textContent = '';
      add(node, h('p', {'class': 'error'}, String(error.message || error)));
    };
  }

  function section(title) {
    return h('section', {'class': 'card'}, h('h2', {}, title), Array.prototype.slice.call(arguments, 1));
  }

  function more(page, total, onMore) {
    var shown = page.offset + page.count;
    if (shown >= total) { return null; }
    return h('button', {type: 'button', 'class': 'more', onclick: onMore},
             'show more (' + shown + ' of ' + total + ')');
  }

  // ------------------------------------------------------------------ chart
  function ticks(low, high, count) {
    var span = high - low;
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    [1, 2, 5, 10].some(function (m) {
      if (span / (step * m) <= count) { step *= m; return true; }
      return false;
    });
    var out = [];
    for (var t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) {
      out.push(Math.round(t / step) * step);
    }
    return out;
  }

  function chart(points, start, end) {
    var W = 760, H = 250, L = 58, R = 14, T = 12, B = 30;
    if (!points.length) {
      return h('p', {'class': 'empty chart-empty'}, 'No points in this window.');
    }
    var values = points.map(function (p) { return p[1]; });
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    if (low === high) { low -= 1; high += 1; }
    var marginY = (high - low) * 0.06;
    low -= marginY; high += marginY;
    if (start === end) { start -= 1; end += 1; }
    var x = function (ts) { return L + (ts - start) / (end - start) * (W - L - R); };
    var y = function (v) { return T + (high - v) / (high - low) * (H - T - B); };
    var root = s('svg', {viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart', role: 'img',
                         'aria-label': 'chart of ' + points.length + ' points',
                         'data-points': points.length});
    ticks(low, high, 5).forEach(function (t) {
      add(root, s('line', {x1: L, x2: W - R, y1: y(t), y2: y(t), 'class': 'grid'}));
      add(root, s('text', {x: L - 6, y: y(t) + 4, 'class': 'label', 'text-anchor': 'end'}, value(t)));
    });
    var shortTimes = end - start < 86400;
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var ts = Math.round(start + f * (end - start));
      add(root, s('line', {x1: x(ts), x2: x(ts), y1: T, y2: H - B, 'class': 'grid'}));
      add(root, s('text', {x: x(ts), y: H - 10, 'class': 'label',
                           'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle'},
                  time(ts, shortTimes)));
    });
    add(root, s('rect', {x: L, y: T, width: W - L - R, height: H - T - B, 'class': 'frame'}));
    var line = points.map(function (p, i) {
      return (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1);
    }).join(' ');
    add(root, s('path', {d: line, 'class': 'series'}));
    if (points.length <= 300) {
      points.forEach(function (p) {
        add(root, s('circle', {cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 3.2, 'class': 'pt',
                               'data-ts': p[0], 'data-value': p[1]},
                    s('title', {}, time(p[0]) + '  ' + value(p[1]))));
      });
    }
    return root;
  }

  window.InspectorKit = {
    add: add,
    set: set,
    h: h,
    s: s,
    api: api,
    pad: pad,
    time: time,
    value: value,
    short: short,
    ref: ref,
    pill: pill,
    aliases: aliases,
    table: table,
    row: row,
    facts: facts,
    secret: secret,
    pretty: pretty,
    ruleText: ruleText,
    fail: fail,
    section: section,
    more: more,
    ticks: ticks,
    chart: chart
  };
}());
