// The chart view: bars or lines of one or more numeric columns over one text or date column, drawn as SVG by
// hand (no charting library: two chart types over one category axis need ~150 lines, and SVG takes the theme from
// CSS, stays sharp at any size, and is readable by screen readers through its title and a data table fallback).

import { Cell, Kind, TableResult, esc, sortKey } from "./data";

export type ChartType = "bar" | "line";

/** What to draw. */
export interface ChartSpec {
  type: ChartType;
  category: number;
  series: number[];
}

/** Most categories drawn; the rest are left out and the caption says so. */
export const MAX_POINTS = 200;

/** Columns the chart can measure: numeric ones, except id-like columns (ids are numbers but not measures). */
export function measureColumns(table: TableResult, kinds: Kind[]): number[] {
  return kinds
    .map((k, i) => (k === "number" && !/(^|_)id$|^internalid$/i.test(table.columns[i]) ? i : -1))
    .filter((i) => i >= 0);
}

/** The chart chosen automatically: over the first date column (lines) or the first text column (bars). */
export function autoSpec(table: TableResult, kinds: Kind[]): ChartSpec | undefined {
  const series = measureColumns(table, kinds);
  if (series.length === 0 || table.rows.length === 0) return undefined;
  let category = kinds.findIndex((k) => k === "date");
  const type: ChartType = category >= 0 && table.rows.length > 2 ? "line" : "bar";
  if (category < 0) category = kinds.findIndex((k) => k === "text");
  if (category < 0) category = kinds.findIndex((_, i) => !series.includes(i));
  if (category < 0) return undefined;
  return { type, category, series: series.filter((s) => s !== category).slice(0, 4) };
}

/** Round tick step for a range: 1, 2 or 5 times a power of ten. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

/** The chart as an SVG string. `order` is the row order (the table's current sort); dates are drawn in time order. */
export function renderChart(
  table: TableResult,
  kinds: Kind[],
  spec: ChartSpec,
  order: number[],
  label: (col: number, v: Cell) => string,
  locale: string | undefined,
): { svg: string; caption: string } {
  let rows = order;
  if (kinds[spec.category] === "date") {
    rows = [...order].sort((a, b) => {
      const ka = sortKey("date", table.rows[a][spec.category]);
      const kb = sortKey("date", table.rows[b][spec.category]);
      return typeof ka === "number" && typeof kb === "number" ? ka - kb : 0;
    });
  }
  const shown = rows.slice(0, MAX_POINTS);
  const values = spec.series.map((s) => shown.map((r) => {
    const v = table.rows[r][s];
    return v === null || v === "" ? null : Number(v);
  }));
  const all = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(0, ...all);
  let hi = Math.max(0, ...all);
  if (lo === hi) hi = lo + 1;
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;

  const W = 720, H = 340, left = 72, right = 16, top = 16, bottom = 64;
  const pw = W - left - right, ph = H - top - bottom;
  const y = (v: number) => top + ph - ((v - lo) / (hi - lo)) * ph;
  const band = pw / Math.max(shown.length, 1);
  const cx = (i: number) => left + band * (i + 0.5);
  const num = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
  const parts: string[] = [];

  for (let t = lo; t <= hi + step / 2; t += step) {
    parts.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${esc(num.format(t))}</text>`);
  }
  const every = Math.max(1, Math.ceil(shown.length / 12));
  shown.forEach((r, i) => {
    if (i % every !== 0) return;
    const text = label(spec.category, table.rows[r][spec.category]);
    const short = text.length > 14 ? text.slice(0, 13) + "…" : text;
    parts.push(`<text class="tick" transform="translate(${cx(i).toFixed(1)},${H - bottom + 14}) rotate(-30)" text-anchor="end">${esc(short)}</text>`);
  });
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>`);

  values.forEach((vals, si) => {
    const name = esc(table.columns[spec.series[si]]);
    if (spec.type === "bar") {
      const bw = (band * 0.8) / values.length;
      vals.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        const x = cx(i) - band * 0.4 + bw * si;
        const y0 = y(Math.max(v, 0)), y1 = y(Math.min(v, 0));
        const cat = esc(label(spec.category, table.rows[shown[i]][spec.category]));
        parts.push(`<rect class="bar s${si}" x="${x.toFixed(1)}" y="${y0.toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${Math.max(y1 - y0, 0.5).toFixed(1)}"><title>${cat} · ${name}: ${esc(label(spec.series[si], v))}</title></rect>`);
      });
    } else {
      const pts = vals.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${cx(i).toFixed(1)},${y(v).toFixed(1)}`));
      let run: string[] = [];
      const flush = () => {
        if (run.length) parts.push(`<polyline class="line s${si}" points="${run.join(" ")}"/>`);
        run = [];
      };
      pts.forEach((p) => (p ? run.push(p) : flush()));
      flush();
      pts.forEach((p, i) => {
        if (!p) return;
        const [px, py] = p.split(",");
        const cat = esc(label(spec.category, table.rows[shown[i]][spec.category]));
        parts.push(`<circle class="dot s${si}" cx="${px}" cy="${py}" r="3"><title>${cat} · ${name}: ${esc(label(spec.series[si], vals[i]))}</title></circle>`);
      });
    }
  });

  const names = spec.series.map((s) => table.columns[s]).join(", ");
  const title = `${spec.type === "bar" ? "Bar" : "Line"} chart of ${names} by ${table.columns[spec.category]}`;
  const svg = `<svg class="chart" role="img" viewBox="0 0 ${W} ${H}" aria-labelledby="chart-title"><title id="chart-title">${esc(title)}</title>${parts.join("")}</svg>`;
  const caption = rows.length > MAX_POINTS ? `${title}: the first ${MAX_POINTS} of ${rows.length} rows.` : `${title}.`;
  return { svg, caption };
}
