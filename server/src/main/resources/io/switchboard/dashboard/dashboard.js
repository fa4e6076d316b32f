// Switchboard's operator dashboard: plain JavaScript, no build step. Pages are drawn from the JSON
// under /dashboard/api/ (refreshed every 2 s) and the debug console's event stream (SSE). Every
// text that comes from an app or a client is put in the page with textContent, never as HTML.
(function () {
  'use strict';

  const REFRESH_MS = 2000;
  const MAX_ROWS = 500;
  const MAX_PAUSED = 1000;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const loginRequired = document.querySelector('meta[name="login-required"]').content === 'true';
  const main = document.getElementById('main');
  const crumbs = document.getElementById('crumbs');
  const clusterLabel = document.getElementById('cluster');

  // What tests and curious operators can read: the last answers and the console's events.
  const state = { overview: null, app: null, consoleEvents: [], charts: {} };
  window.sbDashboard = state;

  if (!loginRequired) {
    document.getElementById('logout').hidden = true;
  }

  // --- helpers --------------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  async function api(path, options) {
    const response = await fetch('/dashboard/api/' + path, Object.assign({ credentials: 'same-origin' }, options));
    if (response.status === 401) {
      window.location.href = '/dashboard/login';
      throw new Error('not logged in');
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
    return body;
  }

  function fmt(n) {
    if (n === undefined || n === null) return '0';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 });
  }

  function time(ms) {
    const d = new Date(ms);
    return d.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function setCrumbs(...items) {
    crumbs.replaceChildren(...items.map((it, i) => i === items.length - 1
      ? h('span', { 'aria-current': 'page', text: it.text })
      : h('a', { href: it.href, text: it.text })));
  }

  function sparkline(values) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 100 24');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('preserveAspectRatio', 'none');
    const max = Math.max(1, ...values);
    const step = values.length > 1 ? 100 / (values.length - 1) : 100;
    const points = values.map((v, i) => (i * step).toFixed(1) + ',' + (23 - (v / max) * 22).toFixed(1));
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
    return svg;
  }

  // --- charts (uPlot) -------------------------------------------------------------------------------

  function chart(key, container, title, series) {
    const width = Math.max(300, container.clientWidth - 16);
    const opts = {
      title: title,
      width: width,
      height: 200,
      scales: {
        // At least the last two minutes, so a chart that just started does not stretch seconds.
        x: { time: true, range: (u, min, max) => max == null ? [Date.now() / 1000 - 120, Date.now() / 1000] : [Math.min(min, max - 120), max] },
        y: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] },
      },
      series: [{}].concat(series.map(s => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))),
      axes: [{}, { size: 60 }],
    };
    const data = [[]].concat(series.map(() => []));
    const plot = new uPlot(opts, data, container);
    state.charts[key] = plot;
    return plot;
  }

  function feed(plot, history, fields) {
    plot.setData([history.t].concat(fields.map(f => history[f])));
  }

  window.addEventListener('resize', () => {
    for (const plot of Object.values(state.charts)) {
      const box = plot.root.parentElement;
      if (box) plot.setSize({ width: Math.max(300, box.clientWidth - 16), height: 200 });
    }
  });

  // --- router ---------------------------------------------------------------------------------------

  let stopPage = () => {};

  function route() {
    stopPage();
    stopPage = () => {};
    state.charts = {};
    const parts = window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'apps' && parts[1]) {
      stopPage = appPage(parts[1], parts[2] || 'overview');
    } else {
      stopPage = overviewPage();
    }
  }

  function every(ms, task) {
    let stopped = false;
    let timer = null;
    async function run() {
      if (stopped) return;
      try { await task(); } catch (e) { console.warn(e); }
      if (!stopped) timer = setTimeout(run, ms);
    }
    run();
    return () => { stopped = true; clearTimeout(timer); };
  }

  // --- the apps list --------------------------------------------------------------------------------

  function overviewPage() {
    setCrumbs({ text: 'Apps' });
    let query = '';
    const totals = h('dl', { class: 'figures', id: 'totals' });
    const charts = h('div', { class: 'charts' });
    const connBox = h('div', { class: 'chart', id: 'chart-connections' });
    const msgBox = h('div', { class: 'chart', id: 'chart-messages' });
    charts.append(connBox, msgBox);
    const search = h('input', { id: 'app-search', type: 'search', placeholder: 'id or name', oninput: e => { query = e.target.value; refresh(); } });
    const tbody = h('tbody');
    const table = h('table', { class: 'apps', id: 'apps' },
      h('caption', { text: 'Apps, busiest first' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'App' }),
        h('th', { scope: 'col', class: 'num', text: 'Connections' }),
        h('th', { scope: 'col', class: 'num', text: 'Delivered msg/s' }),
        h('th', { scope: 'col', class: 'num', text: 'Published events/s' }),
        h('th', { scope: 'col', text: 'Last minute' }))),
      tbody);
    const more = h('p', { class: 'muted' });
    main.replaceChildren(
      h('h1', { text: 'Apps' }),
      totals,
      charts,
      h('div', { class: 'toolbar' }, h('label', { for: 'app-search', text: 'Find an app' }), search),
      table, more);
    const connChart = chart('connections', connBox, 'Connections (cluster)', [{ label: 'connections', color: '#2563eb' }]);
    const msgChart = chart('messages', msgBox, 'Messages per second (cluster)', [
      { label: 'delivered', color: '#059669' }, { label: 'published', color: '#d97706' }]);

    async function refresh() {
      const o = await api('overview' + (query ? '?q=' + encodeURIComponent(query) : ''));
      state.overview = o;
      clusterLabel.textContent = 'node ' + o.node + ' · ' + o.nodes.length + (o.nodes.length === 1 ? ' node' : ' nodes');
      totals.replaceChildren(
        h('div', {}, h('dt', { text: 'Apps' }), h('dd', { text: fmt(o.totals.apps) })),
        h('div', {}, h('dt', { text: 'Connections' }), h('dd', { id: 'total-connections', text: fmt(o.totals.connections) })),
        h('div', {}, h('dt', { text: 'Delivered msg/s' }), h('dd', { id: 'total-delivered', text: fmt(o.totals.delivered_per_second) })),
        h('div', {}, h('dt', { text: 'Published events/s' }), h('dd', { text: fmt(o.totals.published_per_second) })));
      feed(connChart, o.history, ['connections']);
      feed(msgChart, o.history, ['delivered', 'published']);
      tbody.replaceChildren(...o.apps.map(a => h('tr', { 'data-app': a.id },
        h('th', { scope: 'row' },
          h('a', { href: '#/apps/' + encodeURIComponent(a.id), text: a.name || a.id }),
          a.name && a.name !== a.id ? h('span', { class: 'muted', text: ' ' + a.id }) : null,
          a.enabled ? null : h('span', { class: 'badge off', text: 'disabled' })),
        h('td', { class: 'num connections', text: fmt(a.connections) }),
        h('td', { class: 'num', text: fmt(a.delivered_per_second) }),
        h('td', { class: 'num', text: fmt(a.published_per_second) }),
        h('td', {}, sparkline(a.spark)))));
      more.textContent = o.matching > o.apps.length ? (o.matching - o.apps.length) + ' more apps match; narrow the search.' : '';
    }
    return every(REFRESH_MS, refresh);
  }

  // --- one app --------------------------------------------------------------------------------------

  function appPage(id, tab) {
    const base = '#/apps/' + encodeURIComponent(id);
    setCrumbs({ text: 'Apps', href: '#/' }, { text: id });
    const header = h('div', { class: 'app-head' });
    const tabs = h('nav', { class: 'tabs', 'aria-label': 'App sections' },
      ['overview', 'channels', 'console'].map(t => h('a', {
        href: base + (t === 'overview' ? '' : '/' + t),
        'aria-current': t === tab ? 'page' : null,
        text: { overview: 'Overview', channels: 'Channels', console: 'Debug console' }[t],
      })));
    const body = h('section', { id: 'tab-' + tab });
    main.replaceChildren(header, tabs, body);

    function drawHeader(a) {
      const app = a.app;
      header.replaceChildren(
        h('h1', {}, app.name || app.id, app.enabled ? null : h('span', { class: 'badge off', text: 'disabled' })),
        h('p', { class: 'muted' }, 'id ', h('code', { text: app.id }), ' · key ', h('code', { text: app.key }),
          ' · client events ' + (app.client_events ? 'on' : 'off'),
          app.user_authentication ? ' · sign-in required' : '', app.require_tls ? ' · TLS only' : ''));
      clusterLabel.textContent = 'node ' + a.node;
    }

    if (tab === 'console') return consoleTab(id, body, drawHeader);
    if (tab === 'channels') return channelsTab(id, body, drawHeader);
    return appOverviewTab(id, body, drawHeader);
  }

  function breakdown(title, map, id) {
    const entries = Object.entries(map || {}).sort((a, b) => b[1] - a[1]);
    return h('table', { class: 'breakdown', id: id },
      h('caption', { text: title }),
      h('tbody', {}, entries.length === 0
        ? h('tr', {}, h('td', { class: 'muted', text: 'none' }))
        : entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', text: k }), h('td', { class: 'num', text: fmt(v) })))));
  }

  function appOverviewTab(id, body, drawHeader) {
    const figures = h('dl', { class: 'figures' });
    const charts = h('div', { class: 'charts' });
    const connBox = h('div', { class: 'chart', id: 'app-chart-connections' });
    const msgBox = h('div', { class: 'chart', id: 'app-chart-messages' });
    charts.append(connBox, msgBox);
    const usage = h('div', { class: 'columns' });
    const nodes = h('div');
    const hooks = h('div');
    body.append(figures, charts, h('h2', { text: 'What clients use' }), usage, nodes, h('h2', { text: 'Webhooks' }), hooks);
    const connChart = chart('app-connections', connBox, 'Connections', [{ label: 'connections', color: '#2563eb' }]);
    const msgChart = chart('app-messages', msgBox, 'Messages per second', [
      { label: 'delivered', color: '#059669' }, { label: 'published', color: '#d97706' }]);

    return every(REFRESH_MS, async () => {
      const a = await api('apps/' + encodeURIComponent(id));
      state.app = a;
      drawHeader(a);
      figures.replaceChildren(
        h('div', {}, h('dt', { text: 'Connections' }), h('dd', { id: 'app-connections', text: fmt(a.connections.count) })),
        h('div', {}, h('dt', { text: 'Delivered msg/s' }), h('dd', { text: fmt(a.rates.delivered_per_second) })),
        h('div', {}, h('dt', { text: 'Published events/s' }), h('dd', { text: fmt(a.rates.published_per_second) })),
        h('div', {}, h('dt', { text: 'Occupied channels' }), h('dd', { text: fmt(a.channels.occupied) })),
        h('div', {}, h('dt', { text: 'REST requests' }), h('dd', { text: fmt(a.rest_requests) })));
      feed(connChart, a.history, ['connections']);
      feed(msgChart, a.history, ['delivered', 'published']);
      usage.replaceChildren(
        breakdown('Transports', a.connections.transports, 'transports'),
        breakdown('Protocol versions', a.connections.protocols, 'protocols'),
        breakdown('Client libraries', a.connections.clients, 'clients'));
      nodes.replaceChildren(h('table', { class: 'breakdown' },
        h('caption', { text: 'By node' }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Node' }), h('th', { scope: 'col', class: 'num', text: 'Connections' }),
          h('th', { scope: 'col', class: 'num', text: 'Delivered msg/s' }), h('th', { scope: 'col', class: 'num', text: 'Published/s' }))),
        h('tbody', {}, a.nodes.map(n => h('tr', {}, h('th', { scope: 'row', text: n.node }), h('td', { class: 'num', text: fmt(n.connections) }),
          h('td', { class: 'num', text: fmt(n.delivered_per_second) }), h('td', { class: 'num', text: fmt(n.published_per_second) }))))));
      const w = a.webhooks;
      hooks.replaceChildren(
        a.app.webhooks.length === 0 ? h('p', { class: 'muted', text: 'This app has no webhooks.' }) : h('ul', { class: 'targets' },
          a.app.webhooks.map(t => h('li', {}, h('code', { text: t.url }),
            t.event_types.length ? ' · ' + t.event_types.join(', ') : ' · default events',
            t.channel_prefix ? ' · channels starting ' + t.channel_prefix : '',
            t.headers.length ? ' · headers ' + t.headers.join(', ') : ''))),
        h('dl', { class: 'figures', id: 'webhook-figures' },
          h('div', {}, h('dt', { text: 'Queued' }), h('dd', { text: fmt(w.queued) })),
          h('div', {}, h('dt', { text: 'Oldest waiting' }), h('dd', { text: fmt(w.oldest_age_seconds) + ' s' })),
          h('div', {}, h('dt', { text: 'Delivered' }), h('dd', { text: fmt(w.delivered) })),
          h('div', {}, h('dt', { text: 'Retried' }), h('dd', { text: fmt(w.retried) })),
          h('div', {}, h('dt', { text: 'Failed' }), h('dd', { text: fmt(w.failed) })),
          h('div', {}, h('dt', { text: 'Dropped (backlog full)' }), h('dd', { text: fmt(w.dropped) }))),
        w.recent.length === 0 ? null : h('table', { class: 'breakdown' },
          h('caption', { text: 'Recent tries' }),
          h('tbody', {}, w.recent.map(d => h('tr', {},
            h('td', { text: new Date(d.at).toLocaleTimeString('en-GB') }), h('td', {}, h('code', { text: d.url })),
            h('td', { text: d.outcome + (d.attempt > 1 ? ' (try ' + d.attempt + ')' : '') }), h('td', { class: 'muted', text: d.problem || '' }))))));
    });
  }

  function channelsTab(id, body, drawHeader) {
    const list = h('div');
    const members = h('div', { 'aria-live': 'polite' });
    body.append(list, members);
    let open = null;

    async function showMembers(channel) {
      open = channel;
      const m = await api('apps/' + encodeURIComponent(id) + '/channels/' + encodeURIComponent(channel) + '/members');
      members.replaceChildren(h('h2', { text: 'Members of ' + channel + ' (' + m.user_count + ')' }),
        h('table', { class: 'breakdown', id: 'members' }, h('tbody', {}, m.members.map(u => h('tr', {},
          h('th', { scope: 'row', text: u.id }), h('td', {}, h('code', { text: u.info === undefined ? '' : JSON.stringify(u.info) })))))),
        m.truncated ? h('p', { class: 'muted', text: 'The first ' + m.members.length + ' by id.' }) : null);
    }

    return every(REFRESH_MS, async () => {
      const a = await api('apps/' + encodeURIComponent(id));
      state.app = a;
      drawHeader(a);
      const c = a.channels;
      list.replaceChildren(h('table', { class: 'apps', id: 'channels' },
        h('caption', { text: c.occupied + ' occupied channels (cluster-wide)' + (c.truncated ? ', the first ' + c.list.length + ' by name' : '') }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Channel' }), h('th', { scope: 'col', class: 'num', text: 'Subscriptions' }),
          h('th', { scope: 'col', class: 'num', text: 'Users' }))),
        h('tbody', {}, c.list.map(ch => h('tr', {},
          h('th', { scope: 'row' }, ch.user_count === undefined ? ch.name
            : h('button', { type: 'button', class: 'link', onclick: () => showMembers(ch.name), text: ch.name })),
          h('td', { class: 'num', text: fmt(ch.subscription_count) }),
          h('td', { class: 'num', text: ch.user_count === undefined ? '' : fmt(ch.user_count) }))))));
      if (open) await showMembers(open);
    });
  }

  // --- the debug console ----------------------------------------------------------------------------

  const TYPE_GROUPS = [
    ['Connections', ['connection', 'disconnection']],
    ['Subscriptions', ['subscribed', 'unsubscribed', 'subscription_error']],
    ['Channels', ['occupied', 'vacated']],
    ['Presence', ['member_added', 'member_removed']],
    ['API messages', ['api_message']],
    ['Client events', ['client_event']],
    ['Webhooks', ['webhook']],
    ['Errors', ['error']],
  ];

  function consoleTab(id, body, drawHeader) {
    let source = null;
    let paused = false;
    let held = [];
    let heldDropped = 0;
    const rows = h('tbody');
    const status = h('p', { id: 'console-status', class: 'status', role: 'status' });
    const sampledNote = h('p', { id: 'console-sampled', class: 'muted' });
    const channelInput = h('input', { id: 'filter-channel', type: 'search', placeholder: 'part of a channel name' });
    const boxes = TYPE_GROUPS.map(([label, types]) => {
      const box = h('input', { type: 'checkbox', checked: true, 'data-types': types.join(',') });
      return h('label', { class: 'check' }, box, ' ' + label);
    });
    const pauseButton = h('button', { type: 'button', id: 'console-pause', onclick: togglePause, text: 'Pause' });
    const filters = h('form', { class: 'filters', id: 'console-filters', onsubmit: e => { e.preventDefault(); connect(); } },
      h('fieldset', {}, h('legend', { text: 'Show' }), boxes),
      h('label', { for: 'filter-channel', text: 'Channel contains' }), channelInput,
      h('button', { type: 'submit', text: 'Apply filters' }),
      pauseButton,
      h('button', { type: 'button', onclick: () => { rows.replaceChildren(); state.consoleEvents = []; }, text: 'Clear' }));

    const creator = eventCreator(id);
    body.append(
      h('div', { class: 'console-layout' },
        h('div', {}, filters, status, sampledNote,
          h('table', { class: 'console', id: 'console' },
            h('caption', { text: 'Events as they happen, newest first' }),
            h('thead', {}, h('tr', {}, ['Time', 'Node', 'Type', 'Channel', 'Details'].map(t => h('th', { scope: 'col', text: t })))),
            rows)),
        creator));

    api('apps/' + encodeURIComponent(id)).then(a => {
      drawHeader(a);
      sampledNote.textContent = 'Each viewer is shown at most ' + a.console.events_per_second
        + ' events a second; beyond that events are sampled and the rows say how many were left out.';
    }).catch(e => { status.textContent = e.message; });

    function selectedTypes() {
      const all = boxes.every(l => l.firstChild.checked);
      if (all) return '';
      return boxes.filter(l => l.firstChild.checked).map(l => l.firstChild.dataset.types).join(',');
    }

    function connect() {
      if (source) source.close();
      const params = new URLSearchParams();
      const types = selectedTypes();
      if (types) params.set('types', types);
      if (channelInput.value.trim()) params.set('channel', channelInput.value.trim());
      source = new EventSource('/dashboard/api/apps/' + encodeURIComponent(id) + '/console?' + params);
      status.textContent = 'Connecting…';
      source.onopen = () => { status.textContent = paused ? 'Paused' : 'Live'; status.dataset.state = 'live'; };
      source.onmessage = e => receive(JSON.parse(e.data));
      source.addEventListener('end', e => {
        source.close();
        source = null;
        status.dataset.state = 'ended';
        status.replaceChildren(JSON.parse(e.data).reason + ' ',
          h('button', { type: 'button', onclick: connect, text: 'Resume' }));
      });
      source.onerror = () => {
        if (source && source.readyState === EventSource.CLOSED) {
          status.dataset.state = 'refused';
          status.replaceChildren('The console stream was refused or lost (too many viewers, or logged out). ',
            h('button', { type: 'button', onclick: connect, text: 'Retry' }));
        } else {
          status.textContent = 'Reconnecting…';
        }
      };
    }

    function togglePause() {
      paused = !paused;
      pauseButton.textContent = paused ? 'Resume' : 'Pause';
      pauseButton.setAttribute('aria-pressed', paused ? 'true' : 'false');
      if (!paused) {
        held.forEach(show);
        if (heldDropped > 0) show({ type: 'sampled', at: Date.now(), node: '', dropped: heldDropped, where: 'paused' });
        held = [];
        heldDropped = 0;
      }
      status.textContent = paused ? 'Paused: new events are kept (up to ' + MAX_PAUSED + ') and shown on resume' : 'Live';
    }

    function receive(event) {
      event.received_at = Date.now();
      state.consoleEvents.push(event);
      if (state.consoleEvents.length > MAX_ROWS * 2) state.consoleEvents.splice(0, MAX_ROWS);
      if (paused) {
        if (held.length < MAX_PAUSED) held.push(event); else heldDropped++;
        status.textContent = 'Paused: ' + held.length + ' new events waiting' + (heldDropped ? ', ' + heldDropped + ' not kept' : '');
        return;
      }
      show(event);
    }

    function show(e) {
      const channel = e.channel || (e.channels ? e.channels.join(', ') : '');
      const row = h('tr', { class: 'type-' + e.type, 'data-type': e.type },
        h('td', { class: 'time', text: time(e.at) }),
        h('td', { class: 'muted', text: e.node }),
        h('td', {}, h('span', { class: 'badge ' + e.type, text: e.type.replace('_', ' ') })),
        h('td', {}, h('code', { text: channel })),
        h('td', { class: 'details' }, details(e)));
      rows.prepend(row);
      while (rows.childElementCount > MAX_ROWS) rows.lastElementChild.remove();
    }

    connect();
    return () => { if (source) source.close(); };
  }

  function details(e) {
    switch (e.type) {
      case 'connection':
        return 'socket ' + e.socket_id + ' · ' + e.transport + ' · protocol ' + e.protocol
          + (e.client ? ' · ' + e.client + (e.version ? ' ' + e.version : '') : '');
      case 'disconnection':
        return 'socket ' + e.socket_id + ' · ' + e.transport + ' · code ' + e.code + (e.reason ? ' · ' + e.reason : '');
      case 'subscribed': case 'unsubscribed':
        return 'socket ' + e.socket_id;
      case 'subscription_error':
        return 'socket ' + e.socket_id + ' · ' + e.error_type + ' ' + e.status + ' · ' + e.message;
      case 'member_added': case 'member_removed':
        return 'user ' + e.user_id;
      case 'api_message': case 'client_event':
        return h('span', {}, h('strong', { text: e.event }),
          e.socket_id ? ' from socket ' + e.socket_id + (e.user_id ? ' (user ' + e.user_id + ')' : '') : '',
          e.excluded_socket_id ? ' excluding socket ' + e.excluded_socket_id : '',
          h('pre', { text: e.data + (e.data_length ? '… (' + e.data_length + ' characters)' : '') }));
      case 'webhook':
        return h('span', {}, h('code', { text: e.url }), ' · ' + e.outcome + (e.status ? ' (HTTP ' + e.status + ')' : '')
          + (e.attempt > 1 ? ' · try ' + e.attempt : '') + (e.problem ? ' · ' + e.problem : ''),
          h('br'), (e.events || []).map(w => w.name + ' ' + w.channel + (w.user_id ? ' ' + w.user_id : '') + (w.event ? ' ' + w.event : '')).join(', ')
          + (e.event_count > (e.events || []).length ? ' …' : ''));
      case 'error':
        return (e.source === 'rest' ? e.request + ' → ' + e.status : 'socket ' + e.socket_id + (e.code ? ' · ' + e.code : ''))
          + ' · ' + e.message;
      case 'sampled':
        return 'sampled: ' + fmt(e.dropped) + ' events not shown ('
          + (e.where === 'viewer' ? 'over this viewer\'s rate' : e.where === 'paused' ? 'while paused' : 'over node ' + e.node + '\'s budget') + ')';
      default:
        return '';
    }
  }

  function eventCreator(id) {
    const channel = h('input', { id: 'creator-channel', required: true, placeholder: 'my-channel' });
    const name = h('input', { id: 'creator-event', required: true, placeholder: 'my-event' });
    const data = h('textarea', { id: 'creator-data', rows: 5, text: '{"message": "hello"}' });
    const result = h('p', { id: 'creator-result', role: 'status' });
    const form = h('form', {
      class: 'creator', id: 'event-creator',
      onsubmit: async e => {
        e.preventDefault();
        result.textContent = 'Sending…';
        try {
          await api('apps/' + encodeURIComponent(id) + '/events', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
            body: JSON.stringify({ name: name.value, channels: [channel.value], data: data.value }),
          });
          result.textContent = 'Published ' + name.value + ' to ' + channel.value;
          result.dataset.state = 'ok';
        } catch (err) {
          result.textContent = 'Not published: ' + err.message;
          result.dataset.state = 'error';
        }
      },
    },
      h('h2', { text: 'Event creator' }),
      h('p', { class: 'muted', text: 'Publishes as the REST API would, to every subscriber of the channel.' }),
      h('label', { for: 'creator-channel', text: 'Channel' }), channel,
      h('label', { for: 'creator-event', text: 'Event' }), name,
      h('label', { for: 'creator-data', text: 'Data' }), data,
      h('button', { type: 'submit', id: 'creator-send', text: 'Send event' }),
      result);
    return form;
  }

  window.addEventListener('hashchange', route);
  route();
})();
