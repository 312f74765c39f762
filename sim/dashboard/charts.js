// Thin wrapper over uPlot: one time chart per container, resized with it, with two overlays drawn on the canvas:
// shaded windows (injected events) and horizontal reference lines (breakeven rungs, the site cap).
/* global uPlot */
window.HcpCharts = (() => {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function drawOverlays(u, overlays) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    // uPlot leaves the axes' text alignment on the context.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    for (const w of overlays.windows) {
      const x0 = Math.max(left, u.valToPos(w.fromS, 'x', true));
      const x1 = Math.min(left + width, u.valToPos(w.untilS, 'x', true));
      if (x1 <= x0) continue;
      ctx.fillStyle = 'rgba(255, 107, 107, 0.18)';
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.fillStyle = 'rgba(255, 107, 107, 0.9)';
      ctx.font = `${11 * devicePixelRatio}px system-ui`;
      // At the window's foot: the reference lines' labels sit at the top of the plot.
      ctx.fillText(w.label, x0 + 4, top + height - 6 * devicePixelRatio);
    }
    // Labels at least a line apart: a rung's label that would land on another's is left out (its line stays).
    const labelGap = 12 * devicePixelRatio;
    const labelled = [];
    for (const line of overlays.lines) {
      const y = u.valToPos(line.value, 'y', true);
      if (y < top || y > top + height) continue;
      ctx.strokeStyle = line.color;
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.setLineDash([]);
      if (labelled.some((other) => Math.abs(other - y) < labelGap)) continue;
      labelled.push(y);
      ctx.fillStyle = line.color;
      ctx.font = `${10 * devicePixelRatio}px system-ui`;
      ctx.fillText(line.label, left + 4, y - 3 * devicePixelRatio);
    }
    ctx.restore();
  }

  /** A time tick (seconds) as UTC "HH:MM", or "MM-DD" at midnight. */
  function timeLabel(seconds) {
    const iso = new Date(seconds * 1000).toISOString();
    const hhmm = iso.slice(11, 16);
    return hhmm === '00:00' ? iso.slice(5, 10) : hhmm;
  }

  /**
   * The chart in words, for screen readers (the canvas says nothing): per series its latest value and range over the
   * window, and the reference lines (targets, rungs).
   */
  function describe(caption, series, columns, lines, format) {
    const t = columns[0];
    if (!t.length) return `${caption}: no data.`;
    const parts = series.map((s, i) => {
      const values = columns[i + 1].filter((v) => v != null);
      if (!values.length) return `${s.label}: no data`;
      const last = values.at(-1);
      return `${s.label}: latest ${format(round(last))}, between ${format(round(Math.min(...values)))} and ${format(round(Math.max(...values)))}`;
    });
    const lineText = lines.length ? ` Lines: ${lines.map((l) => l.label).join('; ')}.` : '';
    const at = (seconds) => new Date(seconds * 1000).toISOString().slice(5, 16).replace('T', ' ');
    return `${caption}, ${at(t[0])} to ${at(t.at(-1))} UTC. ${parts.join('; ')}.${lineText}`;
  }
  const round = (v) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100);

  /** series: [{ label, color, fill? }]; returns { update(columns, overlays) } where columns[0] is time in seconds. */
  function create(container, series, options = {}) {
    const caption = container.closest('figure')?.querySelector('figcaption')?.textContent ?? options.title ?? 'Chart';
    container.setAttribute('role', 'img');
    const overlays = { windows: [], lines: [] };
    // `showLines`: the y axis stretches to the reference lines, so a target far from the data still shows.
    const rangeWithLines = (_u, dataMin, dataMax) => {
      const values = [dataMin, dataMax, ...overlays.lines.map((l) => l.value)].filter((v) => v != null);
      return values.length ? uPlot.rangeNum(Math.min(...values), Math.max(...values), 0.1, true) : [0, 1];
    };
    const size = () => ({
      width: Math.max(260, container.clientWidth),
      height: container.clientWidth < 500 ? 200 : 240,
    });
    const yRange = options.yRange ?? (options.showLines ? rangeWithLines : undefined);
    const axisColor = css('--muted');
    const grid = { stroke: css('--line'), width: 1 };
    const plot = new uPlot(
      {
        ...size(),
        scales: { x: { time: true }, y: yRange ? { range: yRange } : {} },
        axes: [
          // Ticks at least 70 px apart, labelled in the simulated clock's UTC: "10:00", the date at midnight.
          { stroke: axisColor, grid, space: 70, values: (_u, ticks) => ticks.map(timeLabel) },
          { stroke: axisColor, grid, size: 60, space: 30, values: (_u, ticks) => ticks.map(options.format ?? String) },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.fill ? { fill: s.fill } : {}),
            ...(s.dash ? { dash: s.dash } : {}),
            spanGaps: false,
          })),
        ],
        legend: { live: false },
        hooks: { draw: [(u) => drawOverlays(u, overlays)] },
      },
      [[], ...series.map(() => [])],
      container,
    );
    new ResizeObserver(() => plot.setSize(size())).observe(container);
    return {
      update(columns, next = {}) {
        overlays.windows = next.windows ?? [];
        overlays.lines = next.lines ?? [];
        plot.setData(columns);
        const values = columns
          .slice(1)
          .flat()
          .filter((v) => v != null);
        container.dataset.points = String(columns[0].length);
        container.dataset.max = values.length ? String(Math.max(...values)) : '';
        container.dataset.windows = String(overlays.windows.length);
        container.setAttribute(
          'aria-label',
          describe(caption, series, columns, overlays.lines, options.describe ?? options.format ?? String),
        );
      },
    };
  }

  return { create, css };
})();
