/**
 * netsuite-mcp saved-search RESTlet: lists the saved searches the role can run and runs one, a page at a time.
 * netsuite-mcp calls it where the account has no REST saved-search endpoint (NETSUITE_MCP_SEARCH_RESTLET).
 *
 * GET ?action=list[&q=text]&pageSize=5..1000&page=0..
 *   -> {searches: [{id, scriptId, title, recordType}], page, pageSize, pageCount, totalResults, hasMore}
 * GET ?action=run&searchId=<internal id | customsearch...>&pageSize=5..1000&page=0..
 *   -> {searchId, title, columns: [{label, name, join, summary, formula}], rows: [[string, ...]],
 *       page, pageSize, pageCount, totalResults, hasMore, sortAdded, remainingUsage}
 * Failures -> {error: {code, message}} (NetSuite's code, e.g. INVALID_SEARCH, INSUFFICIENT_PERMISSION).
 *
 * Rows are strings as NetSuite formats them (the display text of list and record fields), "" when empty. A
 * search without a sort pages unpredictably, so the script sorts it by internal id (or by its first group
 * column for a summary search) and says so with sortAdded. Governance: search.load 5 units, runPaged 5,
 * each fetch 5 — about 15 units a call, far below a RESTlet's 5000.
 *
 * @NApiVersion 2.1
 * @NScriptType Restlet
 * @NModuleScope SameAccount
 */
define(['N/search', 'N/runtime', 'N/error'], (search, runtime, error) => {
  const MIN_PAGE_SIZE = 5;
  const MAX_PAGE_SIZE = 1000;
  const DEFAULT_PAGE_SIZE = 50;

  const fail = (code, message) => ({ error: { code: String(code), message: String(message) } });

  const badParameter = (message) =>
    error.create({ name: 'INVALID_PARAMETER', message, notifyOff: true });

  /** An integer parameter within [min, max], or the default when absent. */
  const intParam = (params, name, dflt, min, max) => {
    const raw = params[name];
    if (raw === undefined || raw === null || raw === '') return dflt;
    const text = String(raw).trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      throw badParameter(`${name} must be an integer from ${min} to ${max} (got ${text})`);
    }
    return n;
  };

  const paging = (params) => ({
    pageSize: intParam(params, 'pageSize', DEFAULT_PAGE_SIZE, MIN_PAGE_SIZE, MAX_PAGE_SIZE),
    page: intParam(params, 'page', 0, 0, 999),
  });

  const SUMMARY_WORDS = { GROUP: 'Group', COUNT: 'Count', SUM: 'Sum', AVG: 'Average', MIN: 'Minimum', MAX: 'Maximum' };

  /** The label a person sees in the results: the column's label, else a name built like NetSuite's. */
  const labelOf = (col) => {
    if (col.label) return col.label;
    let name = col.formula ? 'Formula' : col.name;
    if (col.join) name = `${col.join} : ${name}`;
    const summary = col.summary ? SUMMARY_WORDS[String(col.summary).toUpperCase()] : null;
    return summary && summary !== 'Group' ? `${summary} of ${name}` : name;
  };

  /** Labels made unique: a second "Amount" becomes "Amount (2)". */
  const uniqueLabels = (columns) => {
    const seen = {};
    return columns.map((col) => {
      const label = labelOf(col);
      seen[label] = (seen[label] || 0) + 1;
      return seen[label] === 1 ? label : `${label} (${seen[label]})`;
    });
  };

  const isSorted = (col) => col.sort && String(col.sort).toUpperCase() !== 'NONE';

  /**
   * The columns to run with: the search's own, plus (when nothing is sorted) a hidden sort that makes pages
   * stable. Returns the columns and how many of them are shown.
   */
  const stableColumns = (columns) => {
    if (columns.some(isSorted)) return { columns, shown: columns.length, sortAdded: false };
    const summary = columns.some((c) => c.summary);
    if (!summary) {
      const key = search.createColumn({ name: 'internalid', sort: search.Sort.ASC });
      return { columns: columns.concat([key]), shown: columns.length, sortAdded: true };
    }
    // A summary search can only sort by its group columns: sort by the first one.
    const group = columns.findIndex((c) => String(c.summary).toUpperCase() === 'GROUP');
    if (group < 0) return { columns, shown: columns.length, sortAdded: false };
    const copy = columns.map((c, i) =>
      i === group
        ? search.createColumn({
            name: c.name, join: c.join, summary: c.summary, formula: c.formula, label: c.label,
            sort: search.Sort.ASC,
          })
        : c
    );
    return { columns: copy, shown: columns.length, sortAdded: true };
  };

  /** A cell as text: the display text of list and record fields, else the value; "" when empty. */
  const cell = (result, col) => {
    let text = null;
    try {
      text = result.getText(col);
    } catch (e) {
      text = null; // getText is only defined for list and record fields
    }
    const value = text !== null && text !== undefined && text !== '' ? text : result.getValue(col);
    if (value === null || value === undefined) return '';
    if (Array.isArray(value)) return value.map((v) => (v && v.text) || (v && v.value) || String(v)).join(', ');
    return String(value);
  };

  const envelope = (paged, page, pageSize) => {
    const pageCount = paged.pageRanges.length;
    return { page, pageSize, pageCount, totalResults: paged.count, hasMore: page + 1 < pageCount };
  };

  const list = (params) => {
    const { pageSize, page } = paging(params);
    const filters = [];
    const q = params.q ? String(params.q).trim() : '';
    if (q) filters.push(['title', search.Operator.CONTAINS, q]);
    const s = search.create({
      type: search.Type.SAVED_SEARCH,
      filters,
      columns: [
        search.createColumn({ name: 'title', sort: search.Sort.ASC }),
        search.createColumn({ name: 'id' }),
        search.createColumn({ name: 'recordtype' }),
        search.createColumn({ name: 'internalid', sort: search.Sort.ASC }),
      ],
    });
    const paged = s.runPaged({ pageSize });
    const out = envelope(paged, page, pageSize);
    out.searches = [];
    if (page < out.pageCount) {
      paged.fetch({ index: page }).data.forEach((r) => {
        out.searches.push({
          id: String(r.id),
          scriptId: String(r.getValue({ name: 'id' }) || ''),
          title: String(r.getValue({ name: 'title' }) || ''),
          recordType: String(r.getText({ name: 'recordtype' }) || r.getValue({ name: 'recordtype' }) || ''),
        });
      });
    }
    return out;
  };

  const run = (params) => {
    const searchId = params.searchId ? String(params.searchId).trim() : '';
    if (!searchId) throw badParameter('searchId is required: an internal id or a script id such as customsearch_x');
    const { pageSize, page } = paging(params);
    const loaded = search.load({ id: searchId });
    const own = loaded.columns || [];
    const stable = stableColumns(own);
    loaded.columns = stable.columns;
    const paged = loaded.runPaged({ pageSize });
    const out = envelope(paged, page, pageSize);
    const shown = stable.columns.slice(0, stable.shown);
    const labels = uniqueLabels(shown);
    out.searchId = String(loaded.id || searchId);
    out.title = loaded.title || '';
    out.columns = shown.map((c, i) => ({
      label: labels[i],
      name: c.name,
      join: c.join || null,
      summary: c.summary ? String(c.summary).toLowerCase() : null,
      formula: c.formula || null,
    }));
    out.rows = [];
    // An index past the last page is not an error: there are no more rows.
    if (page < out.pageCount) {
      paged.fetch({ index: page }).data.forEach((r) => {
        out.rows.push(shown.map((c) => cell(r, c)));
      });
    }
    out.sortAdded = stable.sortAdded;
    out.remainingUsage = runtime.getCurrentScript().getRemainingUsage();
    return out;
  };

  const get = (params) => {
    try {
      const action = (params && params.action) || '';
      if (action === 'list') return list(params);
      if (action === 'run') return run(params);
      return fail('INVALID_PARAMETER', 'action must be list or run');
    } catch (e) {
      return fail(e.name || 'UNEXPECTED_ERROR', e.message || String(e));
    }
  };

  return { get };
});
