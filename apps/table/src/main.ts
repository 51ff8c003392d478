// ui://netsuite/table.html: a SuiteQL-shaped tool result as a sortable table and a chart. Talks to the host only
// through the MCP Apps SDK (postMessage); never reaches the network (the page's CSP forbids it).

import { App, PostMessageTransport, applyDocumentTheme, applyHostStyleVariables } from "@modelcontextprotocol/ext-apps";
import type { McpUiHostContext } from "@modelcontextprotocol/ext-apps";
import { ChartSpec, ChartType, autoSpec, measureColumns, renderChart } from "./chart";
import { Cell, Kind, TableResult, columnKinds, esc, formatter, readResult, sortedOrder, toCsv } from "./data";

interface State {
  table: TableResult;
  kinds: Kind[];
  format: ((v: Cell) => string)[];
  order: number[];
  sort?: { col: number; dir: 1 | -1 };
  view: "table" | "chart";
  chart?: ChartSpec;
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let state: State | undefined;
let locale: string | undefined;
const app = new App({ name: "netsuite-table", version: "1.0.0" }, {});

function applyContext(ctx: McpUiHostContext | undefined) {
  if (!ctx) return;
  if (ctx.theme) applyDocumentTheme(ctx.theme);
  if (ctx.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
  if (ctx.locale) locale = ctx.locale;
}

function status(text: string) {
  $("status").textContent = text;
}

/** Shows a new result; keeps nothing from the previous one. */
export function show(result: Parameters<typeof readResult>[0]) {
  const { table, message } = readResult(result);
  $("message").hidden = !message;
  $("message").textContent = message ?? "";
  $("main").hidden = !table;
  if (!table) {
    state = undefined;
    return;
  }
  const kinds = columnKinds(table);
  state = {
    table,
    kinds,
    format: table.columns.map((_, i) => formatter(table, i, kinds[i], locale)),
    order: table.rows.map((_, i) => i),
    view: state?.view ?? "table",
    chart: autoSpec(table, kinds),
  };
  renderHead();
  renderBody();
  renderFooter();
  renderView();
}

function renderHead() {
  if (!state) return;
  const { table, kinds, sort } = state;
  const cells = table.columns.map((name, i) => {
    const dir = sort?.col === i ? (sort.dir === 1 ? "ascending" : "descending") : "none";
    const arrow = dir === "ascending" ? "▲" : dir === "descending" ? "▼" : "";
    const cls = kinds[i] === "number" ? ' class="num"' : "";
    return `<th scope="col" aria-sort="${dir}"${cls}><button type="button" data-col="${i}">${esc(name)}<span class="arrow" aria-hidden="true">${arrow}</span></button></th>`;
  });
  $("thead").innerHTML = `<tr>${cells.join("")}</tr>`;
}

function renderBody() {
  if (!state) return;
  const started = performance.now();
  const { table, kinds, format, order } = state;
  const numeric = kinds.map((k) => k === "number");
  const html: string[] = [];
  for (const r of order) {
    const row = table.rows[r];
    let tr = "<tr>";
    for (let c = 0; c < table.columns.length; c++) {
      const v = row[c] ?? null;
      tr += numeric[c] ? `<td class="num">${esc(format[c](v))}</td>` : `<td>${esc(format[c](v))}</td>`;
    }
    html.push(tr + "</tr>");
  }
  $("tbody").innerHTML = html.join("");
  // Read back the layout so the figure includes style and layout, not only building the string.
  void $("table").offsetHeight;
  const ms = performance.now() - started;
  $("table").dataset.renderMs = ms.toFixed(1);
  $("table").dataset.cells = String(order.length * table.columns.length);
}

function renderFooter() {
  if (!state) return;
  const { table } = state;
  const n = table.rows.length;
  const total = table.total_results;
  let text = `${n.toLocaleString(locale)} ${n === 1 ? "row" : "rows"}`;
  if (typeof total === "number" && total !== n) text += ` of ${total.toLocaleString(locale)}`;
  if (table.truncated) text += " (cut to fit the size budget)";
  $("count").textContent = text;
  const more = $("more") as HTMLButtonElement;
  more.hidden = !(table.has_more && table.next_offset != null);
}

function renderChartView() {
  if (!state) return;
  const spec = state.chart;
  const controls = $("chart-controls");
  if (!spec) {
    controls.hidden = true;
    $("chart").innerHTML = "";
    $("chart-caption").textContent = "No numeric column to chart.";
    return;
  }
  controls.hidden = false;
  const { table, kinds } = state;
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-chart-type]")) {
    b.setAttribute("aria-pressed", String(b.dataset.chartType === spec.type));
  }
  const cat = $("category") as HTMLSelectElement;
  cat.innerHTML = table.columns
    .map((c, i) => (kinds[i] === "number" ? "" : `<option value="${i}"${i === spec.category ? " selected" : ""}>${esc(c)}</option>`))
    .join("");
  $("series").innerHTML = measureColumns(table, kinds)
    .filter((i) => i !== spec.category)
    .map((i) => `<label><input type="checkbox" data-series="${i}"${spec.series.includes(i) ? " checked" : ""}> ${esc(table.columns[i])}</label>`)
    .join("");
  const label = (col: number, v: Cell) => state?.format[col](v) ?? "";
  const { svg, caption } = renderChart(table, kinds, spec, state.order, label, locale);
  $("chart").innerHTML = spec.series.length ? svg : "";
  $("chart-caption").textContent = spec.series.length ? caption : "Pick at least one column to chart.";
  const legend = spec.series.map((s, i) => `<span class="key"><span class="swatch s${i}"></span>${esc(table.columns[s])}</span>`);
  $("legend").innerHTML = legend.join("");
}

function renderView() {
  if (!state) return;
  const chart = state.view === "chart";
  $("table-view").hidden = chart;
  $("chart-view").hidden = !chart;
  $("tab-table").setAttribute("aria-pressed", String(!chart));
  $("tab-chart").setAttribute("aria-pressed", String(chart));
  if (chart) renderChartView();
}

function sortBy(col: number) {
  if (!state) return;
  const dir: 1 | -1 = state.sort?.col === col && state.sort.dir === 1 ? -1 : 1;
  state.sort = { col, dir };
  state.order = sortedOrder(state.table, state.kinds, col, dir);
  renderHead();
  renderBody();
  ($("thead").querySelector(`button[data-col="${col}"]`) as HTMLButtonElement | null)?.focus();
  status(`Sorted by ${state.table.columns[col]}, ${dir === 1 ? "ascending" : "descending"}.`);
}

async function copyCsv() {
  if (!state) return;
  const csv = toCsv(state.table, state.order);
  (window as unknown as { __lastCsv?: string }).__lastCsv = csv;
  let ok = false;
  try {
    await navigator.clipboard.writeText(csv);
    ok = true;
  } catch {
    // Hosts may not grant clipboard-write to the frame: fall back to a selected text area and the copy command.
    const area = document.createElement("textarea");
    area.value = csv;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    ok = document.execCommand("copy");
    area.remove();
  }
  const n = state.order.length;
  status(ok ? `Copied ${n} ${n === 1 ? "row" : "rows"} as CSV.` : "Copying is blocked here; select the table and copy it instead.");
}

async function askForMore() {
  const offset = state?.table.next_offset;
  if (offset == null) return;
  const text = `Show me the next page of these results (call the same tool again with offset ${offset}).`;
  try {
    await app.sendMessage({ role: "user", content: [{ type: "text", text }] });
    status("Asked for the next page.");
  } catch {
    status(`Ask the assistant for the next page (offset ${offset}).`);
  }
}

function wire() {
  $("thead").addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest("button[data-col]") as HTMLButtonElement | null;
    if (b) sortBy(Number(b.dataset.col));
  });
  $("tab-table").addEventListener("click", () => state && ((state.view = "table"), renderView()));
  $("tab-chart").addEventListener("click", () => state && ((state.view = "chart"), renderView()));
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-chart-type]")) {
    b.addEventListener("click", () => {
      if (state?.chart) state.chart.type = b.dataset.chartType as ChartType;
      renderChartView();
    });
  }
  $("category").addEventListener("change", (e) => {
    if (!state?.chart) return;
    const col = Number((e.target as HTMLSelectElement).value);
    state.chart.category = col;
    state.chart.series = state.chart.series.filter((s) => s !== col);
    renderChartView();
  });
  $("series").addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement;
    if (!state?.chart || !input.dataset.series) return;
    const col = Number(input.dataset.series);
    const rest = state.chart.series.filter((s) => s !== col);
    state.chart.series = input.checked ? [...rest, col].sort((a, b) => a - b) : rest;
    renderChartView();
  });
  $("copy").addEventListener("click", () => void copyCsv());
  $("more").addEventListener("click", () => void askForMore());
}

wire();
app.ontoolresult = (result) => show(result);
app.onhostcontextchanged = (ctx) => {
  applyContext(ctx);
  if (state && ctx.locale) show({ structuredContent: state.table });
};
app
  .connect(new PostMessageTransport(window.parent, window.parent))
  .then(() => applyContext(app.getHostContext()))
  .catch((e: unknown) => {
    $("message").hidden = false;
    $("message").textContent = `Could not connect to the host: ${String(e)}`;
  });
