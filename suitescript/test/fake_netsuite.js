// A small fake of the SuiteScript 2.x modules the RESTlet uses (N/search, N/runtime, N/error), written from
// Oracle's documented API: search.load/create/createColumn, Search.columns (read/write) and runPaged({pageSize})
// with pageSize 5..1000, PagedData {count, pageRanges, fetch({index})}, Result {id, getValue, getText}, the
// Sort/Summary/Operator/Type enums, error.create({name, message}) and runtime.getCurrentScript().getRemainingUsage().
// It charges governance units like NetSuite (load 5, runPaged 5, fetch 5) and, like NetSuite, gives no stable
// order to a search without a sort: every runPaged of such a search returns the rows in a new order.
'use strict';

class SuiteScriptError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function makeModules({ searches = {}, savedSearchIndex = [], denied = [], units = 5000 } = {}) {
  let remaining = units;
  const charge = (n) => {
    remaining -= n;
    if (remaining < 0) throw new SuiteScriptError('SSS_USAGE_LIMIT_EXCEEDED', 'Script Execution Usage Limit Exceeded');
  };
  let shuffleSeed = 1;
  const shuffle = (rows) => {
    const out = rows.slice();
    for (let i = out.length - 1; i > 0; i -= 1) {
      shuffleSeed = (shuffleSeed * 1103515245 + 12345) % 2147483648;
      const j = shuffleSeed % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };

  const Sort = { ASC: 'ASC', DESC: 'DESC', NONE: 'NONE' };
  const Summary = { GROUP: 'GROUP', COUNT: 'COUNT', SUM: 'SUM', AVG: 'AVG', MIN: 'MIN', MAX: 'MAX' };
  const Operator = { CONTAINS: 'contains', IS: 'is', ANYOF: 'anyof' };
  const Type = { SAVED_SEARCH: 'savedsearch', TRANSACTION: 'transaction', CUSTOMER: 'customer' };

  const createColumn = (opts) => ({
    name: opts.name,
    join: opts.join,
    summary: opts.summary,
    formula: opts.formula,
    label: opts.label,
    sort: opts.sort || Sort.NONE,
  });
  const keyOf = (col) => (typeof col === 'string' ? col : `${col.join ? `${col.join}.` : ''}${col.name}`);

  // A row is {id, values: {key: value}, texts: {key: text}}; the result reads a column by its join.name key.
  const result = (row) => ({
    id: row.id,
    getValue: (col) => {
      const v = row.values[keyOf(col)];
      return v === undefined ? null : v;
    },
    getText: (col) => {
      const t = (row.texts || {})[keyOf(col)];
      return t === undefined ? null : t;
    },
  });

  const makeSearch = (def) => {
    const s = {
      id: def.id,
      title: def.title,
      searchType: def.type,
      filters: def.filters || [],
      columns: (def.columns || []).map(createColumn),
      runPaged: ({ pageSize = 50 } = {}) => {
        charge(5);
        if (!Number.isInteger(pageSize) || pageSize < 5 || pageSize > 1000) {
          throw new SuiteScriptError('INVALID_PAGE_RANGE', 'Page size must be between 5 and 1000.');
        }
        let rows = def.rows(s);
        const sorts = s.columns.filter((c) => c.sort && c.sort !== Sort.NONE);
        if (sorts.length === 0) {
          rows = shuffle(rows);
        } else {
          rows = rows.slice().sort((a, b) => {
            for (const c of sorts) {
              const k = keyOf(c);
              const av = c.name === 'internalid' ? Number(a.id) : a.values[k];
              const bv = c.name === 'internalid' ? Number(b.id) : b.values[k];
              if (av < bv) return c.sort === Sort.ASC ? -1 : 1;
              if (av > bv) return c.sort === Sort.ASC ? 1 : -1;
            }
            return 0;
          });
        }
        const pageCount = Math.ceil(rows.length / pageSize);
        const pageRanges = Array.from({ length: pageCount }, (_, index) => ({ index, compoundLabel: `${index}` }));
        return {
          count: rows.length,
          pageSize,
          pageRanges,
          fetch: ({ index }) => {
            charge(5);
            if (!Number.isInteger(index) || index < 0 || index >= pageCount) {
              throw new SuiteScriptError('INVALID_PAGE_RANGE', `Invalid page range: ${index}.`);
            }
            return {
              data: rows.slice(index * pageSize, (index + 1) * pageSize).map(result),
              isFirst: index === 0,
              isLast: index === pageCount - 1,
              pageRange: pageRanges[index],
            };
          },
        };
      },
    };
    return s;
  };

  const search = {
    Sort,
    Summary,
    Operator,
    Type,
    createColumn,
    load: ({ id }) => {
      charge(5);
      const key = String(id);
      const def = Object.values(searches).find((d) => d.id === key || d.scriptId === key);
      if (denied.includes(key)) {
        throw new SuiteScriptError('INSUFFICIENT_PERMISSION', 'Permission Violation: You need a higher level of the \'Perform Search\' permission.');
      }
      if (!def) throw new SuiteScriptError('INVALID_SEARCH', 'That search or mass update does not exist.');
      return makeSearch(def);
    },
    create: ({ type, filters = [], columns = [] }) => {
      if (type !== Type.SAVED_SEARCH) throw new SuiteScriptError('SSS_INVALID_SRCH_TYPE', `unsupported in the fake: ${type}`);
      const contains = filters.find((f) => f[0] === 'title');
      return makeSearch({
        type,
        columns: columns.map((c) => (typeof c === 'string' ? { name: c } : c)),
        rows: () =>
          savedSearchIndex
            .filter((s) => !contains || s.title.toLowerCase().includes(String(contains[2]).toLowerCase()))
            .map((s) => ({
              id: s.id,
              values: { title: s.title, id: s.scriptId, recordtype: s.recordType },
              texts: { recordtype: s.recordTypeText },
            })),
      });
    },
  };

  const runtime = { getCurrentScript: () => ({ getRemainingUsage: () => remaining }) };
  const error = {
    create: ({ name, message }) => new SuiteScriptError(name, message),
  };
  return { search, runtime, error, remaining: () => remaining };
}

/** Loads the RESTlet with the fake modules and returns its entry points. */
function loadRestlet(path, modules) {
  let entry = null;
  global.define = (deps, factory) => {
    const table = { 'N/search': modules.search, 'N/runtime': modules.runtime, 'N/error': modules.error };
    entry = factory(...deps.map((d) => {
      if (!(d in table)) throw new Error(`the fake has no module ${d}`);
      return table[d];
    }));
  };
  delete require.cache[require.resolve(path)];
  require(path);
  delete global.define;
  return entry;
}

module.exports = { makeModules, loadRestlet, SuiteScriptError };
