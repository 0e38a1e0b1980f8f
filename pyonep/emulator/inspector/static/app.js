/* The pyonep emulator's inspector: a read-only page over the JSON views of /_inspector/api/.
 * Plain JavaScript, no library. Every value from the emulator goes into the page as text
 * (textContent), never as markup; kit.js builds the elements and draws the charts. Views are chosen by the URL's
 * hash (#/tree/<rid>, #/data/<rid>, #/calls?key=<cik>, ...); with "live" on, the page asks
 * /api/changes every 1.5 s and redraws the current view when the emulator changed. */
(function () {
  'use strict';

  var WINDOWS = ['1m', '10m', '1h', '6h', '1d', '7d', '30d', 'all'];
  var current = {view: null, arg: null, query: {}, refresh: null};
  var seen = null;
  var busy = false;
  var K = window.InspectorKit;
  var add = K.add;
  var h = K.h;
  var api = K.api;
  var time = K.time;
  var value = K.value;
  var short = K.short;
  var ref = K.ref;
  var pill = K.pill;
  var aliases = K.aliases;
  var table = K.table;
  var row = K.row;
  var facts = K.facts;
  var secret = K.secret;
  var pretty = K.pretty;
  var ruleText = K.ruleText;
  var fail = K.fail;
  var section = K.section;
  var more = K.more;
  var chart = K.chart;

  // ------------------------------------------------------------------ overview
  function overview(main) {
    return api('overview').then(function (o) {
      var counts = h('div', {'class': 'counts'}, Object.keys(o.counts).map(function (k) {
        return h('div', {'class': 'count'}, h('b', {}, String(o.counts[k])), h('span', {}, k));
      }));
      var config = o.config;
      var rows = Object.keys(config).sort().map(function (key) {
        var shown = config[key] === null && /cik|token|password/.test(key)
          ? secret(key, function () {
            return api('overview', {reveal: 1}).then(function (r) { return r.config[key]; });
          })
          : h('code', {}, value(config[key]));
        return row([key, shown]);
      });
      main.textContent = '';
      add(main, [
        section('Platform', counts, h('p', {},
          'Platform time ', h('b', {}, time(o.now)), ' · root client ',
          h('a', {href: '#/tree/' + o.root_rid}, short(o.root_rid)), ' · the call log keeps the last ',
          String(o.call_log_capacity), ' requests.')),
        section('Startup settings (the ready line)', table(['key', 'value'], rows, {'class': 'kv'}))
      ]);
    });
  }

  // ------------------------------------------------------------------ resource tree
  var tree = {open: {}, pages: {}};

  function treeNode(node, selected) {
    var isClient = node.type === 'client';
    var kids = isClient ? Object.keys(node.children).reduce(function (n, k) { return n + node.children[k]; }, 0) : 0;
    var open = tree.open[node.rid];
    var toggle = isClient && kids
      ? h('button', {type: 'button', 'class': 'toggle', 'aria-label': open ? 'collapse' : 'expand',
                     onclick: function () { toggleNode(node.rid); }}, open ? '▾' : '▸')
      : h('span', {'class': 'toggle'});
    var label = h('a', {href: '#/tree/' + node.rid, 'class': 'node' + (selected === node.rid ? ' selected' : ''),
                        'data-rid': node.rid},
                  h('span', {'class': 'type type-' + node.type}, node.type), ' ',
                  h('span', {'class': 'name'}, node.name || short(node.rid)), ' ',
                  aliases(node.aliases), ' ',
                  node.format ? h('span', {'class': 'fmt'}, node.format) : null, ' ',
                  pill(node.status), ' ',
                  node.latest ? h('span', {'class': 'latest'}, value(node.latest[1])) : null,
                  node.role ? h('span', {'class': 'role'}, node.role) : null,
                  isClient ? h('span', {'class': 'muted'}, ' ' + kids + ' owned') : null);
    var li = h('li', {}, toggle, label);
    if (open && tree.pages[node.rid]) { add(li, treeList(node.rid, selected)); }
    return li;
  }

  function treeList(parent, selected) {
    var page = tree.pages[parent];
    var list = h('ul', {'class': 'tree'}, page.children.map(function (n) { return treeNode(n, selected); }));
    add(list, more({offset: 0, count: page.children.length}, page.total, function () {
      loadChildren(parent, page.children.length).then(drawTree);
    }));
    return list;
  }

  function loadChildren(parent, offset) {
    return api('tree', {parent: parent === '' ? null : parent, offset: offset || 0, limit: 100}).then(function (page) {
      var old = tree.pages[parent];
      if (offset && old) { page.children = old.children.concat(page.children); }
      tree.pages[parent] = page;
    });
  }

  function toggleNode(rid) {
    if (tree.open[rid]) { delete tree.open[rid]; drawTree(); return; }
    tree.open[rid] = true;
    loadChildren(rid, 0).then(drawTree);
  }

  function drawTree() {
    var box = document.getElementById('tree-box');
    if (!box || !tree.pages['']) { return; }
    box.textContent = '';
    add(box, treeList('', current.arg));
  }

  function reloadTree() {
    var first = tree.pages[''] ? Promise.resolve() : loadChildren('', 0).then(function () {
      var top = tree.pages[''].children[0];
      if (top && !Object.keys(tree.open).length) { tree.open[top.rid] = true; }  // the root, open
    });
    return first.then(function () {
      return Promise.all([''].concat(Object.keys(tree.open)).map(reloadPage));
    }).then(drawTree);
  }

  function reloadPage(p) {
    return Promise.resolve().then(function () {
      var count = tree.pages[p] ? tree.pages[p].children.length : 100;
      return api('tree', {parent: p || null, limit: Math.min(Math.max(count, 100), 500)})
        .then(function (page) { tree.pages[p] = page; })
        .catch(function () { delete tree.open[p]; delete tree.pages[p]; });
    });
  }

  function details(box, rid) {
    return api('resource', {rid: rid}).then(function (r) {
      var d = r.description || {};
      var pairs = [
        ['RID', h('code', {}, r.rid)],
        ['path', h('span', {'class': 'path'}, r.path.map(function (p, i) {
          return [i ? ' / ' : '', ref(p)];
        }))],
        r.aliases.length ? ['aliases', aliases(r.aliases)] : null,
        r.format ? ['format', r.format] : null,
        r.status ? ['status', pill(r.status)] : null,
        r.role ? ['role', r.role] : null,
        r.has_cik ? ['CIK', secret('CIK', function () {
          return api('cik', {rid: r.rid}).then(function (c) {
            var link = document.getElementById('calls-by-cik');
            if (link) { link.setAttribute('href', '#/calls?key=' + encodeURIComponent(c.cik)); link.hidden = false; }
            return c.cik;
          });
        })] : null,
        r.has_cik ? ['calls', h('a', {id: 'calls-by-cik', href: '#/calls', hidden: true}, 'calls made with this CIK')] : null,
        r.children ? ['owns', Object.keys(r.children).map(function (k) { return r.children[k] + ' ' + k + ' '; })] : null,
        ['created', time(r.created)], ['modified', time(r.modified)],
        d.subscribe !== undefined ? ['subscribes to', ref(r.source)] : null,
        r.subscribers.length ? ['subscribers', r.subscribers.map(function (x) { return [ref(x), ' ']; })] : null,
        r.latest !== undefined ? ['latest', r.latest ? [h('b', {}, value(r.latest[1])), ' at ', time(r.latest[0]),
                                                       ' · ', h('a', {href: '#/data/' + r.rid}, 'data and chart')] : 'no point'] : null,
        d.rule ? ['rule', ruleText(d.rule)] : null,
        r.rule_state ? ['rule state', 'counter ' + r.rule_state.counter + (r.rule_state.deadline
          ? ', timer at ' + time(r.rule_state.deadline) : ', no timer')] : null,
        r.method ? ['sends', r.method + ' to ' + r.recipient] : null,
        r.fleet && r.fleet.length ? ['fleet', r.fleet.map(function (f) {
          return 'serial number ' + f.sn + ' of model ' + f.vendor + '/' + f.model + ' ';
        })] : null
      ];
      box.textContent = '';
      add(box, [h('h2', {}, h('span', {'class': 'type type-' + r.type}, r.type), ' ', r.name || short(r.rid)),
                facts(pairs)]);
      if (r.records) { add(box, records(r.records, r.records_total)); }
      add(box, h('details', {}, h('summary', {}, 'description'), h('pre', {}, JSON.stringify(d, null, 2))));
    });
  }

  function records(list, total) {
    return h('div', {'class': 'records'},
             h('h3', {}, 'What it would have sent (' + total + ')'),
             list.length ? table(['time', 'method', 'to', 'subject', 'message', 'status'], list.map(function (m) {
               return row([time(m.timestamp), m.method, m.recipient, m.subject, h('code', {}, m.message),
                           pill(m.status)], {'class': 'record'});
             })) : h('p', {'class': 'muted'}, 'nothing yet'));
  }

  function treeView(main, rid) {
    var finder = h('input', {type: 'search', placeholder: 'find by name, alias or RID', 'class': 'find'});
    var found = h('div', {'class': 'found'});
    var detailBox = h('div', {'class': 'details'}, h('p', {'class': 'muted'}, 'Select a resource.'));
    finder.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') { return; }
      api('find', {text: finder.value}).then(function (r) {
        found.textContent = '';
        add(found, r.found.length ? h('ul', {}, r.found.map(function (n) {
          return h('li', {}, ref(n), ' ', aliases(n.aliases));
        })) : h('p', {'class': 'muted'}, 'nothing found'));
      }).catch(fail(found));
    });
    main.textContent = '';
    add(main, h('div', {'class': 'split'},
                h('div', {'class': 'pane'}, finder, found, h('div', {id: 'tree-box'}, 'loading…')),
                h('div', {'class': 'pane'}, detailBox)));
    var opened = Promise.resolve();
    if (rid) {
      opened = api('resource', {rid: rid}).then(function (r) {
        r.path.slice(0, -1).forEach(function (p) { tree.open[p.rid] = true; });
      }).catch(function () { return null; });
    }
    var refresh = function () {
      return Promise.all([reloadTree(), rid ? details(detailBox, rid).catch(fail(detailBox)) : null]);
    };
    return opened.then(refresh).then(function () { return refresh; });
  }

  // ------------------------------------------------------------------ data
  var dataState = {window: 'all', text: ''};

  function dataView(main, rid) {
    var list = h('div', {'class': 'list'});
    var filter = h('input', {type: 'search', placeholder: 'filter by name or alias', value: dataState.text});
    var panel = h('div', {'class': 'details'});
    var older = [];
    filter.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { dataState.text = filter.value; drawList(); }
    });
    main.textContent = '';
    add(main, h('div', {'class': 'split'}, h('div', {'class': 'pane narrow'}, filter, list),
                h('div', {'class': 'pane'}, panel)));

    function drawList() {
      return api('dataports', {text: dataState.text, limit: 200}).then(function (page) {
        list.textContent = '';
        add(list, h('ul', {'class': 'plain'}, page.items.map(function (n) {
          return h('li', {}, h('a', {href: '#/data/' + n.rid, 'class': 'node' + (n.rid === rid ? ' selected' : ''),
                                     title: n.rid},
                               h('span', {'class': 'type type-' + n.type}, n.type), ' ',
                               n.owner_name ? h('span', {'class': 'muted'}, n.owner_name + ' / ') : null,
                               n.name || short(n.rid), ' ', aliases(n.aliases), ' ',
                               n.latest ? h('span', {'class': 'latest'}, value(n.latest[1])) : null));
        })));
        if (page.total > page.items.length) {
          add(list, h('p', {'class': 'muted'}, page.items.length + ' of ' + page.total + ': filter to find others'));
        }
        if (!rid && page.items.length) { location.replace('#/data/' + page.items[0].rid); }
      });
    }

    function drawData() {
      if (!rid) { panel.textContent = 'No dataport yet.'; return Promise.resolve(); }
      return api('data', {rid: rid, window: dataState.window}).then(function (d) {
        var r = d.resource;
        var windows = h('div', {'class': 'windows'}, WINDOWS.map(function (w) {
          return h('button', {type: 'button', 'class': w === dataState.window ? 'on' : '', 'data-window': w,
                              onclick: function () { dataState.window = w; older = []; drawData(); }}, w);
        }));
        var shown = d.chart ? d.chart.points.length : d.table.length;
        var note = d.count + ' point' + (d.count === 1 ? '' : 's') + ' from ' + time(d.window.start) +
          ' to ' + time(d.window.end) + (d.chart && d.chart.downsampled
            ? ' · the chart shows ' + shown + ' (the earliest of each slice)' : '');
        var rows = d.table.concat(older);
        var tableBox = table(['time', 'value'], rows.map(function (p) {
          return row([time(p[0]), d.chart ? value(p[1]) : h('code', {}, value(p[1]))], {'class': 'point'});
        }), {'class': 'points'});
        var nextCursor = older.next !== undefined ? older.next : d.next;
        panel.textContent = '';
        add(panel, [
          h('h2', {}, ref(r), ' ', aliases(r.aliases), ' ', h('span', {'class': 'fmt'}, r.format)),
          windows, h('p', {'class': 'muted'}, note),
          d.chart ? chart(d.chart.points, d.window.start, d.window.end) : null,
          h('h3', {}, d.chart ? 'Newest points' : 'Newest values'), tableBox,
          nextCursor ? h('button', {type: 'button', 'class': 'more', onclick: function () {
            api('data', {rid: rid, window: dataState.window, before: nextCursor}).then(function (p) {
              older = older.concat(p.table);
              older.next = p.next;
              drawData();
            });
          }}, 'older points') : null
        ]);
      }).catch(fail(panel));
    }

    var refresh = function () { return Promise.all([drawList(), drawData()]); };
    return refresh().then(function () { return refresh; });
  }

  // ------------------------------------------------------------------ data flow
  function flowView(main) {
    function load() {
      return Promise.all(['datarule', 'dispatch', 'dataport'].map(function (t) {
        return api('flow', {rtype: t, limit: 200});
      })).then(function (pages) {
        var rules = pages[0], dispatches = pages[1], ports = pages[2];
        main.textContent = '';
        add(main, section('Datarules (' + rules.total + ')', rules.items.length ? table(
          ['datarule', 'rule', 'input from', 'state', 'last output', 'feeds'],
          rules.items.map(function (r) {
            return row([ref(r), ruleText(r.description.rule), ref(r.source),
                        r.rule_state ? 'counter ' + r.rule_state.counter + (r.rule_state.deadline
                          ? ', timer ' + time(r.rule_state.deadline) : '') : '',
                        r.latest ? h('span', {'class': 'output'}, h('b', {}, value(r.latest[1])), ' at ', time(r.latest[0])) : 'none yet',
                        r.subscribers.map(function (x) { return [ref(x), ' ']; })],
                       {'data-rid': r.rid, 'class': 'rule'});
          })) : h('p', {'class': 'muted'}, 'No datarule.')));
        add(main, section('Dispatches (' + dispatches.total + ')', dispatches.items.length
          ? dispatches.items.map(function (x) {
            return h('div', {'class': 'dispatch', 'data-rid': x.rid},
                     h('h3', {}, ref(x), ' ', pill(x.status), ' ', x.method + ' to ' + x.recipient,
                       ' · input from ', ref(x.source)),
                     records(x.records, x.records_total));
          }) : h('p', {'class': 'muted'}, 'No dispatch.')));
        add(main, section('Dataports fed by subscription (' + ports.total + ')', ports.items.length ? table(
          ['dataport', 'input from', 'latest'], ports.items.map(function (p) {
            return row([ref(p), ref(p.source), p.latest ? value(p.latest[1]) : '']);
          })) : h('p', {'class': 'muted'}, 'None.')));
      });
    }
    return load().then(function () { return load; });
  }

  // ------------------------------------------------------------------ calls
  function procedures(call) {
    if (call.kind !== 'rpc') { return ''; }
    try {
      var body = JSON.parse(call.request.body);
      return (body.calls || []).map(function (c) { return c.procedure; }).join(', ');
    } catch (e) { return ''; }
  }

  function callsView(main, arg, query) {
    var open = {};
    var key = h('input', {type: 'search', placeholder: 'CIK or token', value: query.key || '', 'class': 'wide'});
    var text = h('input', {type: 'search', placeholder: 'text in path or bodies', value: query.text || ''});
    var kind = h('select', {}, ['', 'rpc', 'provision', 'device', 'portals', 'emulator', 'other'].map(function (k) {
      return h('option', {value: k, selected: k === (query.kind || '')}, k || 'any API');
    }));
    var listBox = h('div', {});
    var apply = function () {
      var q = [['key', key.value], ['text', text.value], ['kind', kind.value]].filter(function (p) { return p[1]; })
        .map(function (p) { return p[0] + '=' + encodeURIComponent(p[1]); }).join('&');
      location.hash = '#/calls' + (q ? '?' + q : '');
    };
    [key, text].forEach(function (input) {
      input.addEventListener('keydown', function (e) { if (e.key === 'Enter') { apply(); } });
    });
    kind.addEventListener('change', apply);
    main.textContent = '';
    add(main, section('Calls the emulator served, newest first',
                      h('div', {'class': 'filters'}, key, text, kind,
                        h('button', {type: 'button', onclick: apply}, 'filter')), listBox));

    function load() {
      return api('calls', {key: query.key, text: query.text, kind: query.kind, limit: 200}).then(function (r) {
        var rows = [];
        r.calls.forEach(function (c) {
          var main = row([String(c.id), time(c.time, true), c.kind, c.method,
                          h('code', {}, c.path + (c.query ? '?' + c.query : '')), procedures(c),
                          [h('span', {'class': 'code code-' + String(c.status).charAt(0)},
                             c.status === null ? 'dropped' : String(c.status)),
                           c.fault ? h('span', {'class': 'fault', title: c.fault}, ' \u26a1 ' + c.fault) : null],
                          c.duration_ms === null ? '' : c.duration_ms + ' ms'],
                         {'class': 'call', 'data-id': c.id, tabindex: 0});
          main.addEventListener('click', function () { open[c.id] = !open[c.id]; load(); });
          rows.push(main);
          if (open[c.id]) {
            var part = function (title, p) {
              return h('div', {'class': 'body'}, h('h4', {}, title + ' (' + p.size + ' bytes' +
                (p.truncated ? ', cut' : '') + (p.binary ? ', binary: hex' : '') + ')'),
                       h('pre', {}, p.binary ? p.body : pretty(p.body)));
            };
            rows.push(h('tr', {'class': 'call-body'}, h('td', {colspan: 8},
              h('div', {'class': 'pair'}, h('div', {},
                h('h4', {}, 'request headers'),
                h('pre', {}, c.request.headers.map(function (kv) { return kv[0] + ': ' + kv[1]; }).join('\n')),
                part('request body', c.request)), h('div', {}, part('answer', c.response))))));
          }
        });
        listBox.textContent = '';
        add(listBox, [h('p', {'class': 'muted'}, r.calls.length + ' shown of ' + r.logged +
                         ' logged (the log keeps the last ' + r.capacity + '). Click a call for its bodies.'),
                      table(['#', 'time', 'API', 'method', 'path', 'procedures', 'status', 'took'], rows,
                            {'class': 'calls'})]);
      });
    }
    return load().then(function () { return load; });
  }

  // ------------------------------------------------------------------ fleet
  function fleetView(main) {
    var snsBoxes = {};
    function sns(model, box, offset, filter) {
      return api('sns', {vendor: model.vendor, model: model.name, offset: offset, limit: 100, text: filter}).then(function (p) {
        box.textContent = '';
        add(box, p.sns.length ? table(['serial number', 'status', 'client', 'enabled by', 'last log entry', 'extra'],
          p.sns.map(function (x) {
            return row([h('code', {}, x.sn), pill(x.status) || h('span', {'class': 'muted'}, 'no client'),
                        x.rid ? ref({rid: x.rid, type: 'client', name: ''}) : '', x.enabled_by || '',
                        x.last_log ? time(x.last_log[0]) + ' ' + x.last_log[2] : '', x.extra], {'class': 'sn'});
          })) : h('p', {'class': 'muted'}, 'No serial number.'));
        if (p.total > offset + p.sns.length) {
          add(box, h('button', {type: 'button', 'class': 'more', onclick: function () {
            sns(model, box, offset + 100, filter);
          }}, 'next ' + Math.min(100, p.total - offset - p.sns.length) + ' of ' + p.total));
        }
      }).catch(fail(box));
    }
    function load(reveal) {
      return api('fleet', {reveal: reveal ? 1 : null}).then(function (f) {
        main.textContent = '';
        add(main, section('Vendors', table(['vendor', 'client', 'tokens'], f.vendors.map(function (v) {
          return row([h('b', {}, v.name), ref({rid: v.owner, type: 'client', name: v.owner_name}),
                      v.tokens.map(function (t) {
                        return h('span', {'class': 'token'}, t.id + ': ', t.token === null
                          ? h('span', {'class': 'muted'}, 'hidden') : h('code', {}, t.token), ' ');
                      })]);
        })), reveal ? null : h('button', {type: 'button', 'class': 'small', onclick: function () { load(true); }},
                                'show tokens')));
        f.models.forEach(function (m) {
          var box = snsBoxes[m.vendor + '/' + m.name] = h('div', {}, 'loading…');
          var filter = h('input', {type: 'search', placeholder: 'filter serial numbers'});
          filter.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sns(m, box, 0, filter.value); } });
          var counts = Object.keys(m.sns).map(function (k) { return m.sns[k] + ' ' + k; }).join(', ');
          var blobBox = h('div', {});
          add(main, section('Model ' + m.vendor + ' / ' + m.name, facts([
            ['template', ref({rid: m.template, type: 'client', name: m.template_name})],
            ['options', m.options.join(', ') || 'none'],
            ['shared with', m.shared_with.join(', ') || 'nobody'],
            ['ranges', m.ranges.length ? m.ranges.map(function (r) { return JSON.stringify(r); }).join(' ') : 'none'],
            ['serial numbers', counts], ['groups', String(m.groups)]]),
            filter, box,
            h('h3', {}, 'Content (' + m.content.length + ')'),
            m.content.length ? table(['id', 'type', 'size', 'protected', 'updated', 'meta', ''], m.content.map(function (c) {
              return row([h('code', {}, c.id), c.type, c.size + ' bytes', c.protected ? 'yes' : 'no', time(c.updated), c.meta,
                          h('button', {type: 'button', 'class': 'small', onclick: function () {
                            api('blob', {vendor: m.vendor, model: m.name, cid: c.id}).then(function (b) {
                              blobBox.textContent = '';
                              add(blobBox, [h('h4', {}, c.id + ' (' + b.size + ' bytes' + (b.truncated ? ', start only' : '') + ')'),
                                            h('pre', {'class': 'blob'}, b.text !== null ? b.text : b.hex)]);
                            }).catch(fail(blobBox));
                          }}, 'show')]);
            })) : h('p', {'class': 'muted'}, 'No content.'), blobBox));
          sns(m, box, 0, '');
        });
        if (!f.models.length) { add(main, section('Models', h('p', {'class': 'muted'}, 'No model yet.'))); }
      });
    }
    return load(false).then(function () { return function () { return load(false); }; });
  }

  // ------------------------------------------------------------------ Portals
  function portalsView(main) {
    function load() {
      return api('portals', {limit: 200}).then(function (p) {
        main.textContent = '';
        add(main, section('Domain ' + p.domain.name, facts([
          ['domain id', p.domain.id], ['client', ref({rid: p.domain.rid, type: 'client', name: p.domain.name})],
          ['vendor', p.domain.vendor]])));
        add(main, section('Users (' + p.users_total + ')', table(['e-mail', 'user name', 'id', 'client', 'permissions'],
          p.users.map(function (u) {
            return row([u.email, u.user_name, h('code', {}, u.id), ref({rid: u.rid, type: 'client', name: ''}),
                        u.permissions.map(function (x) { return h('code', {'class': 'perm'}, x.access + ' ' + x.type + ' ' + x.id); })]);
          }))));
        add(main, section('Portals (' + p.portals_total + ')', table(['portal', 'id', 'owner', 'devices', 'CIK'],
          p.portals.map(function (x) {
            return row([ref({rid: x.rid, type: 'client', name: x.name}), h('code', {}, x.id), x.owner_email,
                         String(x.devices), secret('CIK', function () {
                           return api('cik', {rid: x.rid}).then(function (c) { return c.cik; });
                         })]);
          }))));
        add(main, section('Devices (' + p.devices_total + ')', p.devices.length ? table(
          ['device', 'portal', 'type', 'model', 'serial number', 'status', 'data sources'],
          p.devices.map(function (d) {
            return row([ref({rid: d.rid, type: 'client', name: d.name}), d.portal, d.type,
                         d.model ? d.vendor + '/' + d.model : '', d.sn || '', pill(d.status), String(d.data_sources)]);
          })) : h('p', {'class': 'muted'}, 'No device yet.')));
      });
    }
    return load().then(function () { return load; });
  }

  // ------------------------------------------------------------------ routing and polling
  var VIEWS = {overview: overview, tree: treeView, data: dataView, flow: flowView, calls: callsView,
               fleet: fleetView, portals: portalsView};

  function parseHash() {
    var hash = location.hash.replace(/^#\/?/, '');
    var parts = hash.split('?');
    var path = parts[0].split('/');
    var query = {};
    (parts[1] || '').split('&').forEach(function (pair) {
      if (!pair) { return; }
      var kv = pair.split('=');
      query[decodeURIComponent(kv[0])] = decodeURIComponent(kv.slice(1).join('='));
    });
    return {view: VIEWS[path[0]] ? path[0] : 'tree', arg: path[1] || null, query: query};
  }

  function route() {
    var target = parseHash();
    var main = document.getElementById('view');
    current = {view: target.view, arg: target.arg, query: target.query, refresh: null};
    Array.prototype.forEach.call(document.querySelectorAll('#tabs a'), function (a) {
      a.className = a.getAttribute('data-view') === target.view ? 'on' : '';
    });
    var mine = current;
    busy = true;
    // what the emulator looked like before this view's first fetch: any later change shows
    api('changes').then(function (c) { seen = mark(c); }, function () { return null; }).then(function () {
      return VIEWS[target.view](main, target.arg, target.query);
    }).then(function (refresh) {
      if (mine === current) { mine.refresh = refresh; }
    }).catch(fail(main)).then(function () { busy = false; });
  }

  function mark(changes) { return changes.changes + '/' + changes.calls; }

  function poll() {
    if (!document.getElementById('live').checked || busy) { return; }
    api('changes').then(function (c) {
      document.getElementById('clock').textContent = time(c.now);
      var now = mark(c);
      // a change seen while the view is still loading is kept for the next look
      if (now === seen || !current.refresh) { return; }
      seen = now;
      busy = true;
      Promise.resolve(current.refresh()).catch(function () { return null; })
        .then(function () { busy = false; });
    }).catch(function () {
      document.getElementById('clock').textContent = 'emulator unreachable';
    });
  }

  window.addEventListener('hashchange', route);
  document.addEventListener('DOMContentLoaded', function () {
    route();
    poll();
    setInterval(poll, 1500);
  });
}());
