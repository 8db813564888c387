// The coordinator's console: a page over the service's own HTTP/JSON API, with the signed-in key on every call, so
// it sees exactly what the key's role may see. No library: the browser's fetch, DOM and SVG.
'use strict';

const state = {
  key: sessionStorage.getItem('dispatch-key') || '',
  caller: null,
  view: null,
  active: null,      // the active plan's summary
  data: null,        // { planId, outcomes, demands: Map(demandId -> demand) } of the active plan
  selected: null,    // { sku, region } picked in the matrix
  newestPlan: 0,
  live: null,        // AbortController of the live updates
};

const $ = (selector) => document.querySelector(selector);
const PRIORITIES = ['PRIORITY_CRITICAL', 'PRIORITY_HIGH', 'PRIORITY_NORMAL', 'PRIORITY_LOW'];
const short = (value, prefix) => (value || '').replace(prefix, '');
const num = (value) => Number(value || 0);
const fmt = (value) => num(value).toLocaleString('en-US');
const pct = (part, whole) => (whole > 0 ? `${Math.round((100 * part) / whole)}%` : '–');

/** Escapes text for HTML. */
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** One call of the JSON API; a refusal throws its status message. */
async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.key}`, 'Content-Type': 'application/json', ...(options.headers || {}) },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = new Error(body.message || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Every item of a paged list. */
async function all(path, field) {
  const items = [];
  let token = '';
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await api(`${path}${sep}page.pageSize=1000${token ? `&page.pageToken=${encodeURIComponent(token)}` : ''}`);
    items.push(...(page[field] || []));
    token = page.nextPageToken || '';
  } while (token);
  return items;
}

function notice(text) {
  const box = $('#notice');
  box.textContent = text;
  box.hidden = !text;
}

// ---- sign in and views ----

// Views of the active plan are drawn with it (and say so when there is none).
const READERS = ['ROLE_ADMIN', 'ROLE_COORDINATOR', 'ROLE_AUDITOR'];
const COORDINATORS = ['ROLE_ADMIN', 'ROLE_COORDINATOR'];
const VIEWS = {
  supply: { roles: READERS, render: renderSupply, ofActivePlan: true },
  shortfalls: { roles: READERS, render: renderShortfalls, ofActivePlan: true },
  plans: { roles: READERS, render: renderPlans },
  factories: { roles: READERS, render: renderFactories, ofActivePlan: true },
  options: { roles: READERS, render: renderOptions, ofActivePlan: true },
  work: { roles: ['ROLE_FACTORY'], render: renderWork },
};

async function signIn(key) {
  state.key = key;
  try {
    state.caller = await api('/v1/caller');
  } catch (e) {
    state.key = '';
    sessionStorage.removeItem('dispatch-key');
    $('#signin-error').textContent = `Not signed in: ${e.message}`;
    return;
  }
  sessionStorage.setItem('dispatch-key', key);
  $('#signin').hidden = true;
  $('#signout').hidden = false;
  $('#tabs').hidden = false;
  const { name, role, factoryId } = state.caller;
  $('#who').textContent = `${name} · ${short(role, 'ROLE_').toLowerCase()}${factoryId ? ` · ${factoryId}` : ''}`;
  for (const button of document.querySelectorAll('#tabs button')) {
    button.hidden = !VIEWS[button.dataset.view].roles.includes(role);
  }
  startLive();
  await show(role === 'ROLE_FACTORY' ? 'work' : 'supply');
}

async function show(view) {
  state.view = view;
  for (const button of document.querySelectorAll('#tabs button')) button.classList.toggle('active', button.dataset.view === view);
  const target = $('#view');
  target.dataset.view = view;
  target.innerHTML = '<p class="muted">Loading…</p>';
  try {
    const { render, ofActivePlan } = VIEWS[view];
    if (!ofActivePlan) {
      await render(target);
    } else {
      const plan = await loadActive();
      if (plan) await render(target, plan);
      else target.innerHTML = NO_PLAN;
    }
  } catch (e) {
    target.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

/** The active plan and, read once per plan, its outcomes and demands. */
async function loadActive() {
  const listed = await api('/v1/plans?statuses=PLAN_STATUS_ACTIVE&page.pageSize=1');
  state.active = (listed.plans || [])[0] || null;
  if (!state.active) return null;
  if (state.data?.planId !== state.active.planId) {
    const [outcomes, demands] = await Promise.all([
      all(`/v1/plans/${state.active.planId}?view=PLAN_VIEW_OUTCOMES`, 'outcomes'),
      all('/v1/demands', 'demands'),
    ]);
    state.data = { planId: state.active.planId, outcomes, demands: new Map(demands.map((d) => [d.demandId, d])) };
  }
  return state.active;
}

const NO_PLAN = '<p>No plan is active yet: create one and publish it (<code>dispatchctl plan create --publish</code>).</p>';

// ---- supply and demand ----

/** A fill ratio's colour: red (nothing on time) through amber to green (all on time). */
function colour(ratio) {
  const hue = Math.round(120 * Math.max(0, Math.min(1, ratio)));
  return `hsl(${hue} 70% 78%)`;
}

function priorityBars(priorities) {
  const rows = priorities.map((p, i) => {
    const q = num(p.quantity);
    const w = (v) => (q > 0 ? (300 * num(v)) / q : 0);
    const y = 6 + i * 26;
    return `<text x="0" y="${y + 13}">${esc(short(p.priority, 'PRIORITY_'))}</text>
      <rect x="80" y="${y}" width="${w(p.onTime)}" height="18" fill="#4caf50"><title>on time ${fmt(p.onTime)}</title></rect>
      <rect x="${80 + w(p.onTime)}" y="${y}" width="${w(p.late)}" height="18" fill="#f5b041"><title>late ${fmt(p.late)}</title></rect>
      <rect x="${80 + w(p.onTime) + w(p.late)}" y="${y}" width="${w(p.unmet)}" height="18" fill="#e74c3c"><title>unmet ${fmt(p.unmet)}</title></rect>
      <text x="390" y="${y + 13}">${pct(num(p.onTime), q)} on time, ${pct(num(p.onTime) + num(p.late), q)} delivered</text>`;
  });
  return `<svg class="bars" width="620" height="${12 + priorities.length * 26}" role="img" aria-label="fill by priority">${rows.join('')}</svg>`;
}

async function renderSupply(target, plan) {
  const cells = new Map();
  const skus = new Set();
  const regions = new Set();
  for (const o of state.data.outcomes) {
    const d = state.data.demands.get(o.demandId);
    if (!d) continue;
    const sku = d.line.sku;
    const region = d.line.region;
    skus.add(sku);
    regions.add(region);
    const cell = cells.get(`${sku}|${region}`) || { quantity: 0, onTime: 0, late: 0, unmet: 0 };
    cell.quantity += num(o.quantity);
    cell.onTime += num(o.onTime);
    cell.late += num(o.late);
    cell.unmet += num(o.unmet);
    cells.set(`${sku}|${region}`, cell);
  }
  const columns = [...regions].sort();
  const rows = [...skus].sort();
  const totals = rows.map((sku) => columns.reduce((t, r) => {
    const c = cells.get(`${sku}|${r}`);
    if (c) { t.quantity += c.quantity; t.onTime += c.onTime; t.late += c.late; t.unmet += c.unmet; }
    return t;
  }, { quantity: 0, onTime: 0, late: 0, unmet: 0 }));

  target.innerHTML = `
    <div class="cards">
      <div class="card"><b>Active plan ${esc(plan.planId)}</b><br><span class="muted">published ${esc(plan.publishedAt || '')} by ${esc(plan.publishedBy)}</span><br>
        ${fmt(plan.assignmentCount)} assignments for ${fmt(plan.demandCount)} demands</div>
      <div class="card"><b>Fill by priority</b><br>${priorityBars(plan.priorities || [])}</div>
    </div>
    <h2>Product × region: delivered share of demand</h2>
    <p class="legend muted">Colour: share on time <span style="background:${colour(0)}"></span>0% <span style="background:${colour(0.5)}"></span>50%
      <span style="background:${colour(1)}"></span>100%. Click a cell for its shortfalls.</p>
    <div class="scroll"><table class="matrix" id="matrix">
      <tr><th class="text">sku</th>${columns.map((r) => `<th>${esc(r)}</th>`).join('')}</tr>
      ${rows.map((sku) => `<tr><th class="text">${esc(sku)}</th>${columns.map((region) => {
        const c = cells.get(`${sku}|${region}`);
        if (!c) return '<td class="empty"></td>';
        const title = `${sku} ${region}: demand ${fmt(c.quantity)}, on time ${fmt(c.onTime)}, late ${fmt(c.late)}, unmet ${fmt(c.unmet)}`;
        return `<td data-sku="${esc(sku)}" data-region="${esc(region)}" style="background:${colour(c.quantity ? c.onTime / c.quantity : 1)}" title="${esc(title)}">${pct(c.onTime + c.late, c.quantity)}</td>`;
      }).join('')}</tr>`).join('')}
    </table></div>
    <h2>By product</h2>
    <table id="by-sku"><tr><th class="text">sku</th><th>demand</th><th>on time</th><th>late</th><th>unmet</th><th>fill</th></tr>
      ${rows.map((sku, i) => `<tr><td class="text">${esc(sku)}</td><td>${fmt(totals[i].quantity)}</td><td>${fmt(totals[i].onTime)}</td><td>${fmt(totals[i].late)}</td><td>${fmt(totals[i].unmet)}</td><td>${pct(totals[i].onTime + totals[i].late, totals[i].quantity)}</td></tr>`).join('')}
    </table>`;
  target.querySelector('#matrix').addEventListener('click', (event) => {
    const cell = event.target.closest('td[data-sku]');
    if (!cell) return;
    state.selected = { sku: cell.dataset.sku, region: cell.dataset.region };
    show('shortfalls');
  });
}

// ---- shortfalls ----

async function renderShortfalls(target, plan) {
  const pick = state.selected;
  const rows = state.data.outcomes
    .filter((o) => num(o.unmet) + num(o.late) > 0)
    .map((o) => ({ o, d: state.data.demands.get(o.demandId) }))
    .filter(({ d }) => d && (!pick || (d.line.sku === pick.sku && d.line.region === pick.region)))
    .sort((a, b) => num(b.o.unmet) - num(a.o.unmet) || num(b.o.late) - num(a.o.late))
    .slice(0, 50);
  target.innerHTML = `
    <h2>Largest shortfalls of plan ${esc(plan.planId)}${pick ? ` in ${esc(pick.sku)} × ${esc(pick.region)} <button class="small" id="all">all</button>` : ''}</h2>
    ${rows.length === 0 ? '<p>Nothing late or unmet here.</p>' : `<table id="shortfalls">
      <tr><th class="text">request</th><th class="text">priority</th><th class="text">sku</th><th class="text">region</th><th class="text">due</th><th>demand</th><th>on time</th><th>late</th><th>unmet</th><th class="text">reason</th></tr>
      ${rows.map(({ o, d }) => `<tr class="clickable" data-demand="${esc(o.demandId)}"><td class="text">${esc(o.requestId)}</td><td class="text">${esc(short_(o.priority))}</td>
        <td class="text">${esc(d.line.sku)}</td><td class="text">${esc(d.line.region)}</td><td class="text">${esc(d.line.dueDate)}</td><td>${fmt(o.quantity)}</td><td>${fmt(o.onTime)}</td><td>${fmt(o.late)}</td><td>${fmt(o.unmet)}</td>
        <td class="text">${esc(reason(o))}</td></tr>`).join('')}
    </table>`}
    <div id="explanation"></div>`;
  target.querySelector('#all')?.addEventListener('click', () => { state.selected = null; show('shortfalls'); });
  target.querySelector('#shortfalls')?.addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-demand]');
    if (row) explain(row.dataset.demand, target.querySelector('#explanation'));
  });
}

function short_(priority) { return short(priority, 'PRIORITY_'); }

function reason(o) {
  const why = short(o.reason, 'SHORTFALL_REASON_');
  const binding = [...(o.bindingFactories || []), ...(o.bindingMaterials || [])];
  if (binding.length === 0) return why;
  return `${why}: ${binding.length > 3 ? `${binding.slice(0, 3).join(', ')} and ${binding.length - 3} more` : binding.join(', ')}`;
}

async function explain(demandId, box) {
  box.innerHTML = '<p class="muted">Explaining…</p>';
  const answer = await api(`/v1/demands/${demandId}/explanation?page.pageSize=1`);
  const inPlan = (answer.plans || [])[0];
  if (!inPlan) {
    box.innerHTML = '<p>No plan included this demand.</p>';
    return;
  }
  const o = inPlan.outcome;
  box.innerHTML = `
    <h3>Why ${esc(answer.requestId)} (${esc(short_(answer.priority))}, due ${esc(answer.dueDate)}) got what it got in plan ${esc(inPlan.planId)}</h3>
    <p>${fmt(o.onTime)} on time, ${fmt(o.late)} late, ${fmt(o.unmet)} unmet of ${fmt(o.quantity)}: <b>${esc(reason(o))}</b></p>
    ${(inPlan.competitors || []).length ? `<p>Demands of the same or higher priority that took the binding capacity:</p>
      <table class="competitors"><tr><th class="text">request</th><th class="text">priority</th><th>units</th><th class="text">from</th></tr>
      ${inPlan.competitors.map((c) => `<tr><td class="text">${esc(c.requestId)}</td><td class="text">${esc(short_(c.priority))}</td><td>${fmt(c.units)}</td>
        <td class="text">${esc([...(c.factories || []), ...(c.materials || [])].join(', '))}</td></tr>`).join('')}</table>
      ${inPlan.moreCompetitors ? `<p class="muted">and ${fmt(inPlan.moreCompetitors)} more demands with ${fmt(inPlan.moreUnits)} units</p>` : ''}` : ''}
    ${(inPlan.options || []).length ? `<p>Options that could have served it on time:</p><ul>${inPlan.options.map((n) => `<li>${esc(n.optionId)} at ${esc(n.factoryId)}: ${esc(n.note)}</li>`).join('')}</ul>` : ''}`;
}

// ---- plans ----

async function renderPlans(target) {
  const plans = (await api('/v1/plans?page.pageSize=50')).plans || [];
  plans.sort((a, b) => num(b.planId) - num(a.planId));
  target.innerHTML = `
    <h2>Plans</h2>
    <table id="plans"><tr><th>plan</th><th class="text">status</th><th class="text">created</th><th class="text">by</th><th class="text">completion</th>
      ${PRIORITIES.map((p) => `<th>${short_(p)} on time</th>`).join('')}<th>assignments</th></tr>
      ${plans.map((p) => `<tr class="clickable" data-plan="${esc(p.planId)}"><td>${esc(p.planId)}</td><td class="text">${esc(short(p.status, 'PLAN_STATUS_'))}</td>
        <td class="text">${esc((p.createdAt || '').replace('T', ' ').slice(0, 19))}</td><td class="text">${esc(p.createdBy)}</td><td class="text">${esc(short(p.completion, 'PLAN_COMPLETION_'))}</td>
        ${PRIORITIES.map((tier) => { const m = (p.priorities || []).find((x) => x.priority === tier); return `<td>${m ? pct(num(m.onTime), num(m.quantity)) : ''}</td>`; }).join('')}
        <td>${fmt(p.assignmentCount)}</td></tr>`).join('')}
    </table>
    <div id="plan"></div>
    ${['ROLE_ADMIN', 'ROLE_AUDITOR'].includes(state.caller.role) ? `<h2>Ledger</h2><p><button id="head">Head</button> <button id="verify">Verify</button></p><p id="ledger"></p>` : ''}`;
  target.querySelector('#plans').addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-plan]');
    if (row) planDetail(plans.find((p) => String(p.planId) === row.dataset.plan), plans, target.querySelector('#plan'));
  });
  target.querySelector('#head')?.addEventListener('click', async () => {
    const head = await api('/v1/ledger/head');
    target.querySelector('#ledger').textContent = `entry ${head.seq}: ${head.hash}`;
  });
  target.querySelector('#verify')?.addEventListener('click', async () => {
    const result = await api('/v1/ledger:verify', { method: 'POST', body: '{}' });
    target.querySelector('#ledger').textContent = result.ok
      ? `intact: ${fmt(result.entries)} entries, head ${result.head?.seq}`
      : `NOT intact at entry ${result.firstBadSeq} (${result.firstBadKind} ${result.firstBadId}): ${result.problem}`;
  });
}

async function planDetail(listed, plans, box) {
  // The list's summaries leave the options out: the plan's own summary has them.
  const plan = (await api(`/v1/plans/${listed.planId}`)).summary;
  const active = plans.find((p) => p.status === 'PLAN_STATUS_ACTIVE');
  const canPublish = plan.status === 'PLAN_STATUS_DRAFT' && COORDINATORS.includes(state.caller.role);
  let diff = '';
  if (active && active.planId !== plan.planId) {
    const d = await api(`/v1/plans/${active.planId}/diff/${plan.planId}`);
    const t = d.totals || {};
    diff = `<h3>Against the active plan ${esc(active.planId)}</h3><table class="diff"><tr>${Object.keys(t).map((k) => `<th>${esc(k)}</th>`).join('')}</tr>
      <tr>${Object.values(t).map((v) => `<td>${fmt(v)}</td>`).join('')}</tr></table>
      <p class="muted">${fmt((d.demands || []).length)} demands and ${fmt((d.factories || []).length)} factories changed.</p>`;
  }
  box.innerHTML = `
    <h3>Plan ${esc(plan.planId)}: ${esc(short(plan.status, 'PLAN_STATUS_'))}, ${esc(plan.request?.startDate)} + ${esc(plan.request?.horizonDays)} days</h3>
    ${canPublish ? `<p><button id="publish">Publish plan ${esc(plan.planId)}</button></p>` : ''}
    <table class="summary"><tr><th class="text">priority</th><th>demands</th><th>demand</th><th>on time</th><th>late</th><th>unmet</th><th>smallest fill</th></tr>
      ${(plan.priorities || []).map((m) => `<tr><td class="text">${esc(short_(m.priority))}</td><td>${fmt(m.demands)}</td><td>${fmt(m.quantity)}</td><td>${fmt(m.onTime)}</td>
        <td>${fmt(m.late)}</td><td>${fmt(m.unmet)}</td><td>${(100 * num(m.smallestFillRatio)).toFixed(1)}%</td></tr>`).join('')}
    </table>
    ${(plan.options || []).length ? `<h3>Options (${fmt(plan.optionSpent)} spent)</h3><table class="options"><tr><th class="text">option</th><th class="text">factory</th><th class="text">sku</th><th class="text">state</th><th>units</th><th>fixed cost</th></tr>
      ${plan.options.map((o) => `<tr><td class="text">${esc(o.optionId)}</td><td class="text">${esc(o.factoryId)}</td><td class="text">${esc(o.sku)}</td><td class="text">${esc(short(o.state, 'OPTION_STATE_'))}</td><td>${fmt(o.units)}</td><td>${fmt(o.fixedCost)}</td></tr>`).join('')}</table>` : ''}
    ${diff}`;
  box.querySelector('#publish')?.addEventListener('click', async () => {
    try {
      await api(`/v1/plans/${plan.planId}:publish`, { method: 'POST' });
      notice(`Plan ${plan.planId} published.`);
      await show('plans');
    } catch (e) {
      notice(`Not published: ${e.message}`);
    }
  });
}

// ---- factories: utilisation per factory and day ----

/** The days of a plan: its start and horizon, as yyyy-MM-dd. */
function planDays(plan) {
  const days = [];
  const start = new Date(`${plan.request.startDate}T00:00:00Z`);
  for (let i = 0; i < num(plan.request.horizonDays); i++) {
    days.push(new Date(start.getTime() + i * 86400000).toISOString().slice(0, 10));
  }
  return days;
}

async function renderFactories(target, plan) {
  if (state.data.assignmentsOf !== plan.planId) {
    const [assignments, capabilities, availability, factories] = await Promise.all([
      all(`/v1/plans/${plan.planId}?view=PLAN_VIEW_ASSIGNMENTS`, 'assignments'),
      all('/v1/capabilities', 'capabilities'),
      all('/v1/availability', 'days'),
      all('/v1/factories', 'factories'),
    ]);
    Object.assign(state.data, { assignmentsOf: plan.planId, assignments, capabilities, availability, factories });
  }
  const { assignments, capabilities, availability, factories } = state.data;
  const days = planDays(plan);
  const rate = new Map(capabilities.map((c) => [`${c.factoryId}|${c.sku}`, num(c.unitsPerDay)]));
  const factor = new Map(availability.map((a) => [`${a.factoryId}|${a.date}`, num(a.factor)]));
  // Days of full capacity each factory's own lines use (stock and option lines draw on no factory capacity).
  const used = new Map();
  for (const a of assignments) {
    if (a.source !== 'capacity') continue;
    const perDay = rate.get(`${a.factoryId}|${a.sku}`);
    if (!perDay) continue;
    const key = `${a.factoryId}|${a.productionDate}`;
    used.set(key, (used.get(key) || 0) + num(a.quantity) / perDay);
  }
  const capable = new Set(capabilities.map((c) => c.factoryId));
  const region = state.factoryRegion || '';
  const regions = [...new Set(factories.map((f) => f.region))].sort();
  const rows = factories.filter((f) => capable.has(f.factoryId) && (!region || f.region === region))
    .sort((a, b) => a.region.localeCompare(b.region) || a.factoryId.localeCompare(b.factoryId));
  const cell = (f, day) => {
    const k = factor.has(`${f.factoryId}|${day}`) ? factor.get(`${f.factoryId}|${day}`) : 1;
    const u = used.get(`${f.factoryId}|${day}`) || 0;
    if (k === 0) return { text: 'closed', title: `${f.factoryId} ${day}: closed`, style: 'background:#555;color:#fff', idle: 0, share: 0 };
    const share = u / k;
    const light = Math.round(97 - 55 * Math.min(1, share));
    return { text: share > 0 ? `${Math.round(100 * share)}%` : '', title: `${f.factoryId} ${day}: ${(100 * share).toFixed(1)}% of ${k === 1 ? '' : `${k}× `}capacity`, style: `background:hsl(215 70% ${light}%)${light < 60 ? ';color:#fff' : ''}`, idle: Math.max(0, k - u), share };
  };
  target.innerHTML = `
    <h2>Factories: share of each day's capacity the active plan ${esc(plan.planId)} uses</h2>
    <p><label>Region <select id="factory-region"><option value="">all</option>${regions.map((r) => `<option${r === region ? ' selected' : ''}>${esc(r)}</option>`).join('')}</select></label>
      <span class="muted">Dark: fully used; grey: closed (an outage); the last column is the idle capacity, in days of the factory's full rate.</span></p>
    <div class="scroll"><table class="matrix" id="heatmap"><tr><th class="text">factory</th><th class="text">region</th>${days.map((d) => `<th>${esc(d.slice(5))}</th>`).join('')}<th>idle days</th></tr>
      ${rows.map((f) => {
        const cells = days.map((d) => ({ d, c: cell(f, d) }));
        const idle = cells.reduce((t, x) => t + x.c.idle, 0);
        return `<tr><th class="text">${esc(f.factoryId)}</th><td class="text">${esc(f.region)}</td>${cells.map(({ d, c }) => `<td data-factory="${esc(f.factoryId)}" data-date="${d}" style="${c.style}" title="${esc(c.title)}">${c.text}</td>`).join('')}<td>${idle.toFixed(1)}</td></tr>`;
      }).join('')}
    </table></div>`;
  target.querySelector('#factory-region').addEventListener('change', (event) => {
    state.factoryRegion = event.target.value;
    show('factories');
  });
}

// ---- options: what the active plan took, and what each budget buys ----

const TIER_COLOURS = { PRIORITY_CRITICAL: '#c0392b', PRIORITY_HIGH: '#e67e22', PRIORITY_NORMAL: '#2e86c1', PRIORITY_LOW: '#7f8c8d' };

/** The budget frontier: per priority, the share of demand on time (solid) and delivered (dashed) at each budget. */
function frontierChart(points) {
  const width = 680;
  const height = 260;
  const left = 50;
  const right = 80;
  const bottom = 30;
  const most = Math.max(...points.map((p) => num(p.budget)), 1);
  const x = (b) => left + ((width - left - right) * b) / most;
  const y = (share) => height - bottom - (height - bottom - 10) * share;
  const line = (tier, measure, dashed) => {
    const xy = points.map((p) => {
      const m = (p.priorities || []).find((t) => t.priority === tier);
      return m && num(m.quantity) > 0 ? [x(num(p.budget)), y(measure(m) / num(m.quantity))] : null;
    }).filter(Boolean);
    if (!xy.length) return '';
    const last = xy[xy.length - 1];
    return `<polyline fill="none" stroke="${TIER_COLOURS[tier]}" stroke-width="2"${dashed ? ' stroke-dasharray="5 4"' : ''} points="${xy.map((c) => c.join(',')).join(' ')}"/>
      ${xy.map((c) => `<circle cx="${c[0]}" cy="${c[1]}" r="3" fill="${TIER_COLOURS[tier]}"/>`).join('')}
      ${dashed ? '' : `<text x="${last[0] + 6}" y="${last[1] + 4}" fill="${TIER_COLOURS[tier]}">${short_(tier)}</text>`}`;
  };
  const lines = PRIORITIES.flatMap((tier) => [line(tier, (m) => num(m.onTime), false), line(tier, (m) => num(m.onTime) + num(m.late), true)]);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#e3e6ea"/><text x="4" y="${y(t) + 4}">${100 * t}%</text>`);
  const labels = points.map((p) => `<text x="${x(num(p.budget))}" y="${height - 8}" text-anchor="middle">${fmt(p.budget)}</text>`);
  return `<svg id="frontier" width="${width}" height="${height}" role="img" aria-label="budget frontier">${ticks.join('')}${labels.join('')}${lines.join('')}</svg>
    <p class="muted">Share of each priority's demand on time (solid) and delivered (dashed) at each budget.</p>`;
}

async function renderOptions(target, active) {
  // The list's summaries leave the options out: the plan's own summary has them.
  const plan = (await api(`/v1/plans/${active.planId}`)).summary;
  const options = plan.options || [];
  const canSweep = COORDINATORS.includes(state.caller.role);
  target.innerHTML = `
    <h2>Options of the active plan ${esc(plan.planId)}: ${fmt(options.filter((o) => o.taken).length)} of ${fmt(options.length)} taken, ${fmt(plan.optionSpent)} of the budget ${fmt(plan.request?.optionBudget)} spent</h2>
    ${options.length ? `<table id="options"><tr><th class="text">option</th><th class="text">factory</th><th class="text">sku</th><th class="text">state</th><th>fixed cost</th><th class="text">ready</th><th>units</th><th class="text">first day</th>${PRIORITIES.map((p) => `<th>${short_(p)}</th>`).join('')}</tr>
      ${options.map((o) => `<tr${o.taken ? ' style="background:#eaf7ea"' : ''}><td class="text">${esc(o.optionId)}</td><td class="text">${esc(o.factoryId)}</td><td class="text">${esc(o.sku)}</td><td class="text">${esc(short(o.state, 'OPTION_STATE_'))}</td>
        <td>${fmt(o.fixedCost)}</td><td class="text">${esc(o.readyDate)}</td><td>${fmt(o.units)}</td><td class="text">${esc(o.firstDate || '')}</td>
        ${PRIORITIES.map((tier) => `<td>${fmt((o.unitsByPriority || []).find((u) => u.priority === tier)?.units)}</td>`).join('')}</tr>`).join('')}</table>` : '<p>The registry has no options.</p>'}
    ${canSweep ? `<h2>Budget frontier</h2>
      <form id="sweep"><label>Budgets <input id="budgets" size="50" value="0,1000000,5000000,10000000,20000000"></label> <button type="submit">Sweep</button>
        <span class="muted">plans the open demand from ${esc(plan.request?.startDate)} for ${esc(plan.request?.horizonDays)} days once per budget; stores nothing</span></form>
      <div id="sweep-result"></div>` : ''}`;
  target.querySelector('#sweep')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = target.querySelector('#sweep-result');
    const budgets = target.querySelector('#budgets').value.split(',').map((b) => Number(b.trim())).filter((b) => Number.isFinite(b));
    box.innerHTML = '<p class="muted">Sweeping…</p>';
    try {
      const result = await api('/v1/options:sweep', { method: 'POST', body: JSON.stringify({ startDate: plan.request.startDate, horizonDays: plan.request.horizonDays, budgets }) });
      const points = result.points || [];
      box.innerHTML = `${frontierChart(points)}
        <table id="sweep-table"><tr><th>budget</th><th>spent</th><th class="text">options taken</th>${PRIORITIES.map((p) => `<th>${short_(p)} on time</th>`).join('')}</tr>
        ${points.map((p) => `<tr><td>${fmt(p.budget)}</td><td>${fmt(p.spent)}</td><td class="text">${esc((p.optionsTaken || []).join(', ') || '–')}</td>
          ${PRIORITIES.map((tier) => { const m = (p.priorities || []).find((x) => x.priority === tier); return `<td>${m ? pct(num(m.onTime), num(m.quantity)) : ''}</td>`; }).join('')}</tr>`).join('')}</table>`;
    } catch (e) {
      box.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
  });
}

// ---- a factory's own work ----

async function renderWork(target) {
  const factory = state.caller.factoryId;
  const list = await all(`/v1/factories/${encodeURIComponent(factory)}/assignments`, 'assignments');
  list.sort((a, b) => (a.productionDate || '').localeCompare(b.productionDate || '') || num(a.assignmentId) - num(b.assignmentId));
  target.innerHTML = `
    <h2>Assignments of ${esc(factory)}</h2>
    ${list.length === 0 ? '<p>No assignments.</p>' : `<table id="work"><tr><th>id</th><th class="text">request</th><th class="text">sku</th><th class="text">produce</th><th class="text">arrive</th><th>quantity</th><th>produced</th><th class="text">status</th><th class="text">source</th><th></th></tr>
      ${list.map((a) => `<tr data-assignment="${esc(a.assignmentId)}"><td>${esc(a.assignmentId)}</td><td class="text">${esc(a.requestId)}</td><td class="text">${esc(a.sku)}</td>
        <td class="text">${esc(a.productionDate)}</td><td class="text">${esc(a.arrivalDate)}</td><td>${fmt(a.quantity)}</td><td>${fmt(a.produced)}</td>
        <td class="text status">${esc(short(a.status, 'ASSIGNMENT_STATUS_'))}${a.reason ? `: ${esc(a.reason)}` : ''}</td><td class="text">${esc(a.source)}</td>
        <td class="text">${a.status === 'ASSIGNMENT_STATUS_PENDING' ? '<button class="small" data-act="accept">Accept</button><button class="small" data-act="reject">Reject</button>' : ''}
          ${a.status === 'ASSIGNMENT_STATUS_ACCEPTED' ? '<button class="small" data-act="report">Report</button>' : ''}</td></tr>`).join('')}
    </table>`}`;
  target.querySelector('#work')?.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-act]');
    if (!button) return;
    const row = button.closest('tr');
    const id = row.dataset.assignment;
    const base = `/v1/factories/${encodeURIComponent(factory)}/assignments/${id}`;
    try {
      if (button.dataset.act === 'accept') {
        await api(`${base}:acknowledge`, { method: 'POST', body: JSON.stringify({ decision: 'DECISION_ACCEPT' }) });
      } else if (button.dataset.act === 'reject') {
        const why = prompt('Why can the factory not make it?');
        if (!why) return;
        await api(`${base}:acknowledge`, { method: 'POST', body: JSON.stringify({ decision: 'DECISION_REJECT', reason: why }) });
      } else {
        const quantity = prompt('Units produced');
        if (!quantity) return;
        const today = new Date().toISOString().slice(0, 10);
        const date = prompt('Produced on (yyyy-MM-dd)', row.children[3].textContent || today);
        if (!date) return;
        await api(`${base}:report`, { method: 'POST', body: JSON.stringify({ reportId: `web-${id}-${Date.now()}`, date, quantity }) });
      }
      notice('');
      await show('work');
    } catch (e) {
      notice(`Refused: ${e.message}`);
    }
  });
}

// ---- live updates ----

/** Follows changes without a reload: a factory's watch stream of its assignments; for the others, the plans' stream. */
function startLive() {
  state.live?.abort();
  const live = new AbortController();
  state.live = live;
  if (state.caller.role === 'ROLE_FACTORY') watchAssignments(live.signal);
  else watchPlans(live.signal);
}

/**
 * Reads a streaming route (one JSON object a line) for as long as the page lives, calling onMessage with each; when
 * the stream ends or the connection is lost it connects again after 2 s, from where path() says.
 */
async function follow(path, onMessage, signal) {
  while (!signal.aborted) {
    try {
      const response = await fetch(path(), { headers: { Authorization: `Bearer ${state.key}` }, signal });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (line.trim()) await onMessage(JSON.parse(line));
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function watchAssignments(signal) {
  let after = 0;
  let synced = false;
  return follow(() => `/v1/factories/${encodeURIComponent(state.caller.factoryId)}/assignments:watch?afterVersion=${after}`, async (event) => {
    if (event.synced) {
      after = Math.max(after, num(event.synced.version));
      synced = true;
      return;
    }
    const changed = event.assignment || event.optionOrder;
    if (changed) after = Math.max(after, num(changed.version));
    if (synced && state.view === 'work') {
      notice(`Assignment ${changed?.assignmentId ?? changed?.orderId} changed.`);
      await show('work');
    }
  }, signal);
}

function watchPlans(signal) {
  // Each plan's status as the page last heard it. Before `synced` the stream sends the state the page already shows;
  // after it, a plan not heard of is a new plan, and a known one with another status changed (a publication).
  const known = new Map();
  let synced = false;
  return follow(() => { synced = false; return '/v1/plans:watch'; }, async (event) => {
    if (event.synced) {
      synced = true;
      return;
    }
    const plan = event.plan;
    const id = num(plan.planId);
    const before = known.get(id);
    known.set(id, plan.status);
    const status = short(plan.status, 'PLAN_STATUS_').toLowerCase();
    if (!synced || before === plan.status) return;
    notice(before === undefined ? `Plan ${id} was made (${status}).` : `Plan ${id} is now ${status}.`);
    if (state.view) await show(state.view);
  }, signal);
}

// ---- wiring ----

$('#signin').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('#key').value.trim());
});
$('#signout').addEventListener('click', () => {
  sessionStorage.removeItem('dispatch-key');
  location.reload();
});
$('#tabs').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-view]');
  if (button) {
    if (button.dataset.view === 'shortfalls' && state.view !== 'shortfalls') state.selected = null;
    show(button.dataset.view);
  }
});
if (state.key) signIn(state.key);
