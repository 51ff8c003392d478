// Browser test of ui://netsuite/table.html against a real `netsuite-mcp serve --sandbox --http`: speaks MCP to the
// server (announcing the apps extension), reads the app resource, runs real SuiteQL on the sandbox, and hands the
// results to the app through the SDK's host side (AppBridge) in headless Chromium. Exits non-zero on failure.
//
// Env: NETSUITE_MCP_BIN (the binary; default target/debug/netsuite-mcp), CHROMIUM (default /usr/bin/chromium),
// APP_TEST_OUT (screenshots; default target/app-test), APP_TEST_DOCS_IMG=DIR also writes the README screenshots.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, copyFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const BIN = process.env.NETSUITE_MCP_BIN ?? join(root, "target/debug/netsuite-mcp");
const OUT = resolve(process.env.APP_TEST_OUT ?? join(root, "target/app-test"));
const UI = "io.modelcontextprotocol/ui";
const MIME = "text/html;profile=mcp-app";
const URI = "ui://netsuite/table.html";
mkdirSync(OUT, { recursive: true });

const SALES_BY_MONTH = `SELECT TO_CHAR(t.trandate, 'YYYY-MM') AS month, COUNT(*) AS orders, SUM(t.foreigntotal) AS revenue
FROM transaction t WHERE t.type = 'SalesOrd' GROUP BY TO_CHAR(t.trandate, 'YYYY-MM') ORDER BY month`;
const LINES = `SELECT l.uniquekey, l.transaction, t.tranid, t.type, t.trandate, l.item, l.quantity, l.rate, l.netamount, l.memo
FROM transactionline l JOIN transaction t ON t.id = l.transaction ORDER BY l.uniquekey`;

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n     ")}`);
  }
}

// ---- the server -------------------------------------------------------------------------------------------------
function startServer() {
  // A larger result budget than the default 50 000 characters, so that one page holds 1000 rows of 10 columns.
  const child = spawn(BIN, ["serve", "--sandbox", "--http", "127.0.0.1:0", "--max-result-chars", "400000"], {
    cwd: OUT, // no ./tools here
    env: { PATH: process.env.PATH, RUST_LOG: "info" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not announce its URL:\n${log}`)), 60_000);
    child.stderr.on("data", (d) => {
      log += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0] });
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited (${code}):\n${log}`)));
  });
}

async function connect(url, apps) {
  const capabilities = apps ? { extensions: { [UI]: { mimeTypes: [MIME] } } } : {};
  const client = new Client({ name: "app-test", version: "1.0.0" }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

// ---- the host page ----------------------------------------------------------------------------------------------
async function startHost() {
  const bundle = await build({
    entryPoints: [join(here, "host.ts")],
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "warning",
  });
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>test host</title></head>
<body style="margin:0;padding:12px"><div id="slot"></div><script>${bundle.outputFiles[0].text}</script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

// What the app should show: the rows as the test computes them from the tool result, independently of the app.
function csvOf(sc, order) {
  const f = (v) => {
    const t = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  return [sc.columns.map(f).join(","), ...order.map((i) => sc.rows[i].map(f).join(","))].join("\r\n") + "\r\n";
}

const { child, url } = await startServer();
const host = await startHost();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const plain = await connect(url, false);
  const apps = await connect(url, true);

  await check("a client without the apps extension sees no _meta.ui and no app resource", async () => {
    const { tools } = await plain.listTools();
    assert.ok(tools.some((t) => t.name === "run_suiteql"));
    for (const t of tools) assert.equal(t._meta?.ui, undefined, `${t.name} has _meta.ui`);
    const { resources } = await plain.listResources();
    assert.ok(!resources.some((r) => r.uri === URI));
  });

  let resource;
  await check("a client with the extension sees _meta.ui.resourceUri and reads the page", async () => {
    const { tools } = await apps.listTools();
    const run = tools.find((t) => t.name === "run_suiteql");
    assert.equal(run._meta?.ui?.resourceUri, URI);
    assert.equal(tools.find((t) => t.name === "get_record")._meta?.ui, undefined);
    const { resources } = await apps.listResources();
    assert.equal(resources.find((r) => r.uri === URI)?.mimeType, MIME);
    const read = await apps.readResource({ uri: URI });
    resource = read.contents[0];
    assert.equal(resource.mimeType, MIME);
    assert.deepEqual(resource._meta.ui.csp, { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] });
    assert.match(resource.text, /^<!doctype html>/);
  });
  assert.ok(resource, "cannot go on without the app resource");

  const sales = await apps.callTool({ name: "run_suiteql", arguments: { query: SALES_BY_MONTH, limit: 1000 } });
  const sc = sales.structuredContent;
  assert.ok(sc && sc.row_count >= 12, `sales by month: ${JSON.stringify(sales).slice(0, 300)}`);
  assert.deepEqual(sc.columns, ["month", "orders", "revenue"]);
  assert.equal(JSON.parse(sales.content[0].text).row_count, sc.row_count, "the text copy holds the same result");

  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: host.url });
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));
  const errors = [];

  async function open(toolResult, { theme = "light", toolInput = { query: SALES_BY_MONTH } } = {}) {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(host.url);
    const csp = resource._meta.ui.csp;
    const permissions = resource._meta.ui.permissions;
    await page.evaluate((a) => window.load(a), { html: resource.text, csp, permissions, theme, toolInput, toolResult });
    const app = page.frameLocator("iframe");
    await app.locator("#table tbody tr").first().waitFor({ timeout: 10_000 });
    return { page, app };
  }
  const cellTexts = (app, col) => app.locator(`#table tbody tr td:nth-child(${col})`).allInnerTexts();
  const shapes = {
    "structured content only": { content: [], structuredContent: sc },
    "text content only": { content: [{ type: "text", text: sales.content[0].text }] },
  };

  for (const [shape, toolResult] of Object.entries(shapes)) {
    await check(`${shape}: every row, formatted (dates readable, numbers right-aligned)`, async () => {
      const { page, app } = await open(toolResult);
      assert.equal(await app.locator("#table tbody tr").count(), sc.row_count);
      assert.deepEqual(await app.locator("#table thead th").allInnerTexts(), ["month", "orders", "revenue"]);
      const [y, m] = sc.rows[0][0].split("-");
      const month = new Date(Date.UTC(+y, +m - 1, 1)).toLocaleDateString("en-US", { year: "numeric", month: "short", timeZone: "UTC" });
      assert.equal((await cellTexts(app, 1))[0], month);
      const revenue = await cellTexts(app, 3);
      assert.equal(revenue[0].replaceAll(",", ""), Number(sc.rows[0][2]).toFixed(revenue[0].split(".")[1]?.length ?? 0));
      assert.equal(await app.locator("#table tbody td:nth-child(3)").first().evaluate((e) => getComputedStyle(e).textAlign), "right");
      assert.match(await app.locator("#count").innerText(), new RegExp(`^${sc.row_count} rows`));
      await page.close();
    });
  }

  await check("sorting by click and by keyboard, with aria-sort", async () => {
    const { page, app } = await open(shapes["structured content only"]);
    const th = (i) => app.locator(`#table thead th:nth-child(${i})`);
    const revenues = () => sc.rows.map((r) => Number(r[2]));
    await th(3).locator("button").click();
    assert.equal(await th(3).getAttribute("aria-sort"), "ascending");
    assert.equal(await th(1).getAttribute("aria-sort"), "none");
    const asc = (await cellTexts(app, 3)).map((t) => Number(t.replaceAll(",", "")));
    assert.deepEqual(asc, [...revenues()].sort((a, b) => a - b));
    await th(3).locator("button").click();
    assert.equal(await th(3).getAttribute("aria-sort"), "descending");
    assert.deepEqual((await cellTexts(app, 3)).map((t) => Number(t.replaceAll(",", ""))), [...revenues()].sort((a, b) => b - a));
    // Keyboard: Tab moves through the header buttons; Enter and Space sort.
    await th(3).locator("button").focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    assert.equal(await app.locator(":focus").innerText(), "month");
    await page.keyboard.press("Enter");
    assert.equal(await th(1).getAttribute("aria-sort"), "ascending");
    assert.equal(await th(3).getAttribute("aria-sort"), "none");
    await page.keyboard.press("Space");
    assert.equal(await th(1).getAttribute("aria-sort"), "descending");
    const months = sc.rows.map((r) => r[0]).sort().reverse();
    const firstShown = await cellTexts(app, 1);
    const [y, m] = months[0].split("-");
    assert.equal(firstShown[0], new Date(Date.UTC(+y, +m - 1, 1)).toLocaleDateString("en-US", { year: "numeric", month: "short", timeZone: "UTC" }));
    await page.keyboard.press("Space");
    await page.screenshot({ path: join(OUT, "table.png") });
    await page.close();
  });

  await check("the chart: chosen automatically (line over the month), switchable to bars", async () => {
    const { page, app } = await open(shapes["text content only"]);
    await app.getByRole("button", { name: "Chart" }).click();
    const chart = app.locator("svg.chart");
    await chart.waitFor();
    assert.match(await chart.locator("title").first().innerHTML(), /Line chart of orders, revenue by month/);
    assert.equal(await app.locator("[data-chart-type=line]").getAttribute("aria-pressed"), "true");
    assert.equal(await chart.locator("circle.dot").count(), sc.row_count * 2);
    await app.locator("#series input[data-series='1']").uncheck(); // orders off: revenue only
    await page.screenshot({ path: join(OUT, "chart.png") });
    await app.locator("[data-chart-type=bar]").click();
    assert.equal(await chart.locator("rect.bar").count(), sc.row_count);
    assert.equal(await chart.locator("polyline").count(), 0);
    await page.screenshot({ path: join(OUT, "chart-bar.png") });
    await app.getByRole("button", { name: "Table" }).click();
    assert.ok(await app.locator("#table").isVisible());
    await page.close();
  });

  await check("copy as CSV puts the rows, in the shown order, on the clipboard", async () => {
    const { page, app } = await open(shapes["structured content only"]);
    await app.locator("#table thead th:nth-child(3) button").click(); // revenue ascending
    await app.getByRole("button", { name: "Copy as CSV" }).click();
    await app.locator("#status").filter({ hasText: "Copied" }).waitFor();
    const order = sc.rows.map((_, i) => i).sort((a, b) => Number(sc.rows[a][2]) - Number(sc.rows[b][2]) || a - b);
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip.replace(/\r?\n/g, "\r\n"), csvOf(sc, order));
    await page.close();
  });

  await check("has_more: the app shows the row count and asks the host for the next page", async () => {
    const page1 = await apps.callTool({ name: "run_suiteql", arguments: { query: SALES_BY_MONTH, limit: 5 } });
    assert.equal(page1.structuredContent.has_more, true);
    const { page, app } = await open(page1, { theme: "dark" });
    assert.match(await app.locator("#count").innerText(), new RegExp(`^5 rows of ${sc.row_count}`));
    await app.getByRole("button", { name: "More rows: ask for the next page" }).click();
    await page.waitForFunction(() => window.messages.length > 0);
    const [msg] = await page.evaluate(() => window.messages);
    assert.equal(msg.role, "user");
    assert.match(msg.content[0].text, /offset 5\b/);
    const bg = await app.locator("body").evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, "rgb(13, 17, 23)", "dark host theme");
    await page.screenshot({ path: join(OUT, "table-dark.png") });
    await page.close();
  });

  await check("an error result is shown as its text, not as a table", async () => {
    const bad = await apps.callTool({ name: "run_suiteql", arguments: { query: "SELECT nosuchcolumn FROM customer" } });
    assert.equal(bad.isError, true);
    const page = await context.newPage();
    await page.goto(host.url);
    await page.evaluate((a) => window.load(a), { html: resource.text, csp: resource._meta.ui.csp, permissions: {}, theme: "light", toolInput: {}, toolResult: bad });
    const app = page.frameLocator("iframe");
    await app.locator("#message").filter({ hasText: "NetSuite returned an error" }).waitFor();
    assert.equal(await app.locator("#main").isHidden(), true);
    await page.close();
  });

  await check("10 000 cells (1000 sandbox transaction lines x 10 columns) render", async () => {
    const big = await apps.callTool({ name: "run_suiteql", arguments: { query: LINES, limit: 1000 } });
    const b = big.structuredContent;
    assert.equal(b.row_count * b.columns.length, 10_000, `got ${b.row_count} x ${b.columns.length} (truncated: ${b.truncated})`);
    const { page, app } = await open(big, { toolInput: { query: LINES, limit: 1000 } });
    assert.equal(await app.locator("#table tbody tr").count(), 1000);
    const first = Number(await app.locator("#table").getAttribute("data-render-ms"));
    await app.locator("#table thead th:nth-child(9) button").click();
    const sorted = Number(await app.locator("#table").getAttribute("data-render-ms"));
    console.log(`     render of 10 000 cells: ${first.toFixed(1)} ms first, ${sorted.toFixed(1)} ms after a sort (in-page, incl. layout)`);
    await page.close();
  });

  await check("the page made no network request and logged no error", async () => {
    assert.deepEqual(requests.filter((u) => u !== host.url), []);
    assert.deepEqual(errors, []);
  });

  if (process.env.APP_TEST_DOCS_IMG) {
    mkdirSync(process.env.APP_TEST_DOCS_IMG, { recursive: true });
    copyFileSync(join(OUT, "table.png"), join(process.env.APP_TEST_DOCS_IMG, "app-table.png"));
    copyFileSync(join(OUT, "chart.png"), join(process.env.APP_TEST_DOCS_IMG, "app-chart.png"));
  }
  await plain.close();
  await apps.close();
} finally {
  await browser.close();
  host.server.close();
  child.kill("SIGTERM");
}
console.log(failures ? `${failures} check(s) failed; screenshots in ${OUT}` : `all app checks passed; screenshots in ${OUT}`);
process.exit(failures ? 1 : 0);
