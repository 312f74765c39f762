// What every view shares: element lookup and creation (text only, never HTML), the platform's /local/info, a poller
// that rests while the page is hidden, the offline notice, and the tabs.
window.HcpDom = (() => {
  const $ = (selector) => document.querySelector(selector);
  const el = (tag, attrs = {}, text = '') => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.textContent = text;
    return node;
  };

  /**
   * Runs `task` now and then every `ms` after it settles, except while the page is hidden (another browser tab, a
   * locked phone): no request goes out then, and the task runs at once when the page shows again.
   * Returns { stop(), now() }.
   */
  function every(ms, task) {
    let timer;
    let stopped = false;
    const run = async () => {
      clearTimeout(timer);
      timer = undefined;
      if (stopped || document.hidden) return;
      try {
        await task();
      } finally {
        if (!stopped && !document.hidden && timer === undefined) timer = setTimeout(run, ms);
      }
    };
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) clearTimeout(timer);
      else void run();
    });
    void run();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
      now: run,
    };
  }

  /**
   * The service worker answers from its cache when the network is gone and says so in `x-hcp-saved-at`: the page
   * then shows when that data was fetched.
   */
  function noteSource(response) {
    const savedAt = response.headers.get('x-hcp-saved-at');
    const box = $('#offline');
    box.hidden = !savedAt;
    box.textContent = savedAt
      ? `Offline: showing the last data, fetched ${savedAt.slice(0, 19).replace('T', ' ')} UTC`
      : '';
    return response;
  }

  /** WAI-ARIA tabs: click or arrow keys (Left/Right, Home/End) select a tab and show its panel. */
  function tabs(onShow) {
    const list = [...document.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of list) {
        const selected = t === tab;
        t.setAttribute('aria-selected', String(selected));
        t.tabIndex = selected ? 0 : -1;
        document.getElementById(t.getAttribute('aria-controls')).hidden = !selected;
      }
      if (focus) tab.focus();
      onShow(tab.getAttribute('aria-controls'));
      window.dispatchEvent(new Event('resize'));
    };
    for (const [i, tab] of list.entries()) {
      tab.addEventListener('click', () => select(tab, false));
      tab.addEventListener('keydown', (event) => {
        const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[event.key];
        if (next === undefined) return;
        event.preventDefault();
        select(list[(next + list.length) % list.length], true);
      });
    }
  }

  return {
    $,
    el,
    every,
    noteSource,
    tabs,
    /** { apiUrl, speed, market, available: { workloads, operator, openapi }, demoApiKey, operatorApiKey? } */
    info: fetch('/local/info')
      .then(noteSource)
      .then((r) => r.json()),
  };
})();
