// What both views share: element lookup and creation (text only, never HTML), and the platform's /local/info.
window.HcpDom = {
  $: (selector) => document.querySelector(selector),
  el: (tag, attrs = {}, text = '') => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.textContent = text;
    return node;
  },
  /** { apiUrl, speed, market, available: { workloads, operator, openapi }, demoApiKey } */
  info: fetch('/local/info').then((r) => r.json()),
};
