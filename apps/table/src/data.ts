// The result the app shows, read from a tool result in either shape hosts send: `structuredContent` (ChatGPT and
// most hosts) or only the JSON text copy in `content` (Claude). Column kinds, formatting and sorting live here too.

/** A SuiteQL-shaped result: run_suiteql, run_saved_search, run_dataset and SuiteQL custom tools. */
export interface TableResult {
  columns: string[];
  rows: (string | number | boolean | null)[][];
  row_count?: number;
  total_results?: number | null;
  has_more?: boolean;
  next_offset?: number | null;
  truncated?: boolean;
  note?: string;
}

/** What a column holds, decided from its non-empty values. */
export type Kind = "number" | "date" | "text";

export type Cell = string | number | boolean | null;

interface ToolResultLike {
  structuredContent?: unknown;
  content?: { type: string; text?: string }[];
  isError?: boolean;
}

function asTable(value: unknown): TableResult | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Partial<TableResult>;
  if (!Array.isArray(v.columns) || !Array.isArray(v.rows)) return undefined;
  if (!v.columns.every((c) => typeof c === "string")) return undefined;
  if (!v.rows.every((r) => Array.isArray(r))) return undefined;
  return v as TableResult;
}

/** The table in a tool result, or the text to show instead (an error, or a result of another shape). */
export function readResult(result: ToolResultLike): { table?: TableResult; message?: string } {
  const texts = (result.content ?? []).filter((c) => c.type === "text" && typeof c.text === "string").map((c) => c.text as string);
  if (result.isError) return { message: texts.join("\n") || "The tool reported an error." };
  const structured = asTable(result.structuredContent);
  if (structured) return { table: structured };
  for (const text of texts) {
    try {
      const parsed = asTable(JSON.parse(text));
      if (parsed) return { table: parsed };
    } catch {
      // not JSON: try the next block
    }
  }
  return { message: texts.join("\n") || "This result has no table to show." };
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** A date value as [sortable key, which parts it has], or undefined when it is not a date. */
export function parseDate(text: string): { time: number; month: boolean; clock: boolean } | undefined {
  let m = ISO_DATE.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
    if ((mo as number) < 1 || (mo as number) > 12) return undefined;
    const time = Date.UTC(y as number, (mo as number) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
    return { time, month: d === undefined, clock: h !== undefined };
  }
  m = US_DATE.exec(text);
  if (m) {
    const mo = Number(m[1]);
    if (mo < 1 || mo > 12) return undefined;
    return { time: Date.UTC(Number(m[3]), mo - 1, Number(m[2])), month: false, clock: false };
  }
  return undefined;
}

function text(v: Cell): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  return String(v);
}

/** The kind of every column: number when every value is numeric, date when every value is a date. */
export function columnKinds(table: TableResult): Kind[] {
  return table.columns.map((_, i) => {
    let numbers = true;
    let dates = true;
    let seen = 0;
    for (const row of table.rows) {
      const v = text(row[i]);
      if (v === undefined) continue;
      seen++;
      if (numbers && !(typeof row[i] === "number" || NUMBER.test(v))) numbers = false;
      if (dates && !parseDate(v)) dates = false;
      if (!numbers && !dates) break;
    }
    if (seen === 0) return "text";
    return numbers ? "number" : dates ? "date" : "text";
  });
}

/** Formats cells of one column for display; nulls are blank. */
export function formatter(table: TableResult, col: number, kind: Kind, locale: string | undefined): (v: Cell) => string {
  if (kind === "number") {
    let decimals = 0;
    for (const row of table.rows) {
      const v = text(row[col]);
      const dot = v?.indexOf(".") ?? -1;
      if (v && dot >= 0 && !/[eE]/.test(v)) decimals = Math.max(decimals, v.length - dot - 1);
    }
    const fmt = new Intl.NumberFormat(locale, {
      minimumFractionDigits: Math.min(decimals, 6),
      maximumFractionDigits: Math.min(decimals, 6),
    });
    return (v) => {
      const t = text(v);
      return t === undefined ? "" : fmt.format(Number(t));
    };
  }
  if (kind === "date") {
    const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
    const clock = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    const month = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: "UTC" });
    return (v) => {
      const t = text(v);
      const d = t === undefined ? undefined : parseDate(t);
      if (!d) return t ?? "";
      return (d.month ? month : d.clock ? clock : day).format(d.time);
    };
  }
  return (v) => text(v) ?? "";
}

/** The value a cell sorts by: numbers and dates as numbers, text as text; undefined for empty cells. */
export function sortKey(kind: Kind, v: Cell): number | string | undefined {
  const t = text(v);
  if (t === undefined) return undefined;
  if (kind === "number") return Number(t);
  if (kind === "date") return parseDate(t)?.time ?? t;
  return t;
}

/** Row indexes ordered by one column; empty cells last in both directions; ties keep the original order. */
export function sortedOrder(table: TableResult, kinds: Kind[], col: number, dir: 1 | -1): number[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const keys = table.rows.map((r) => sortKey(kinds[col], r[col]));
  const order = table.rows.map((_, i) => i);
  order.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    if (ka === undefined || kb === undefined) {
      if (ka === kb) return a - b;
      return ka === undefined ? 1 : -1;
    }
    const c = typeof ka === "number" && typeof kb === "number" ? ka - kb : collator.compare(String(ka), String(kb));
    return c !== 0 ? c * dir : a - b;
  });
  return order;
}

/** The rows as CSV (RFC 4180: quoted when needed, CRLF line ends), raw values as NetSuite returned them. */
export function toCsv(table: TableResult, order: number[]): string {
  const field = (v: Cell) => {
    const t = text(v) ?? "";
    return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  const lines = [table.columns.map(field).join(",")];
  for (const i of order) lines.push(table.columns.map((_, c) => field(table.rows[i][c] ?? null)).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** Escapes text for HTML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}
