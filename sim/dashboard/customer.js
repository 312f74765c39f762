// Customer view: everything through the public /v1 API with the customer's own API key, as any client would.
/* global HcpDom */
(() => {
  const POLL_MS = 3000;
  const { $, el } = HcpDom;
  const period = () => new Date().toISOString().slice(0, 7);
  let apiKey = sessionStorage.getItem('hcp-api-key') ?? '';
  let timer;

  async function api(method, path, body, extraHeaders = {}) {
    const response = await fetch(path, {
      method,
      headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error?.message ?? `HTTP ${response.status}`);
    return json;
  }

  async function refresh() {
    const [usage, page] = await Promise.all([
      api('GET', `/v1/usage?period=${period()}`),
      api('GET', '/v1/workloads?limit=50'),
    ]);
    $('#usage-period').textContent = usage.period;
    const facts = [
      ['Jobs', usage.jobs],
      ['GPU seconds', usage.gpuSeconds],
      ['Input tokens', usage.inputTokens],
      ['Output tokens', usage.outputTokens],
      ['Energy', `${usage.energyKwh} kWh`],
      ['Cost', `$${usage.priceUsd.toFixed(2)}`],
    ];
    $('#usage').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
    $('#workloads tbody').replaceChildren(...page.items.map(workloadRow));
  }

  function workloadRow(w) {
    const tr = el('tr');
    const cancel = el('button', { type: 'button' }, 'cancel');
    cancel.hidden = !['accepted', 'queued', 'preempted'].includes(w.status);
    cancel.addEventListener('click', () =>
      api('POST', `/v1/workloads/${encodeURIComponent(w.id)}/cancel`).then(refresh, show),
    );
    const actions = el('td');
    actions.append(cancel);
    tr.append(
      el('td', {}, w.id),
      el('td', {}, w.modelId),
      el('td', {}, w.tier),
      el('td', {}, w.status),
      el('td', {}, w.siteId ?? '–'),
      el('td', {}, w.submittedAt.slice(0, 19).replace('T', ' ')),
      actions,
    );
    return tr;
  }

  function show(error) {
    $('#submit-result').textContent = error.message;
  }

  async function login(key) {
    apiKey = key;
    try {
      await refresh();
    } catch (error) {
      $('#login-result').textContent = `not logged in: ${error.message}`;
      $('#customer-main').hidden = true;
      return;
    }
    sessionStorage.setItem('hcp-api-key', key);
    $('#login-result').textContent = 'logged in';
    $('#customer-main').hidden = false;
    timer?.stop();
    timer = HcpDom.every(POLL_MS, () => refresh().catch(show));
  }

  $('#login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void login($('#api-key').value.trim());
  });

  $('#submit-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = event.target;
    const body = {
      modelId: f.modelId.value,
      inputTokens: Number(f.inputTokens.value),
      outputTokens: Number(f.outputTokens.value),
      tier: f.tier.value,
      maxPriceUsd: Number(f.maxPriceUsd.value),
      deadline: new Date(Date.now() + Number(f.deadlineHours.value) * 3_600_000).toISOString(),
    };
    try {
      const workload = await api('POST', '/v1/workloads', body, { 'idempotency-key': crypto.randomUUID() });
      $('#submit-result').textContent = `submitted ${workload.id} (${workload.status})`;
      await refresh();
    } catch (error) {
      show(error);
    }
  });

  HcpDom.info
    .then((info) => {
      if (!info.available.workloads) {
        $('#demo-hint').textContent =
          'The workloads API is not part of this build yet: the customer view has nothing to call.';
        $('#login-form button').disabled = true;
        return;
      }
      if (info.demoApiKey) $('#demo-hint').textContent = `Demo customer key (local only): ${info.demoApiKey}`;
      if (apiKey) void login(apiKey);
    })
    .catch(() => {});
})();
