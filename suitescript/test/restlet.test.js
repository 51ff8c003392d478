// The saved-search RESTlet under Node against the fake SuiteScript modules: paging, labels, an unsorted search,
// a summary search, a missing search, a permission error, bad parameters, listing.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { makeModules, loadRestlet } = require('./fake_netsuite');

const SCRIPT = path.join(__dirname, '..', 'src', 'FileCabinet', 'SuiteScripts', 'netsuite-mcp', 'netsuite_mcp_search.js');

const invoices = Array.from({ length: 23 }, (_, i) => ({
  id: String(100 + i),
  values: { entity: String(7 + (i % 3)), tranid: `INV${1000 + i}`, amount: (i * 10.5).toFixed(2), memo: i % 4 ? `m${i}` : '' },
  texts: { entity: ['Acme', 'Globex', 'Initech'][i % 3] },
}));

const SEARCHES = {
  openInvoices: {
    id: '42',
    scriptId: 'customsearch_open_invoices',
    title: 'Open Invoices',
    type: 'transaction',
    columns: [
      { name: 'entity', label: 'Customer' },
      { name: 'tranid', label: 'Number', sort: 'ASC' },
      { name: 'amount', label: 'Amount' },
      { name: 'memo', label: '' },
    ],
    rows: () => invoices,
  },
  unsorted: {
    id: '43',
    scriptId: 'customsearch_unsorted',
    title: 'Unsorted',
    type: 'transaction',
    columns: [{ name: 'tranid', label: 'Number' }, { name: 'amount', label: 'Amount' }, { name: 'amount', join: 'applyingtransaction', label: 'Amount' }],
    rows: () => invoices,
  },
  byCustomer: {
    id: '44',
    scriptId: 'customsearch_by_customer',
    title: 'Sales by Customer',
    type: 'transaction',
    columns: [{ name: 'entity', summary: 'GROUP' }, { name: 'amount', summary: 'SUM' }, { name: 'formulanumeric', formula: '{amount} * 2', summary: 'MAX' }],
    rows: () =>
      ['Acme', 'Globex', 'Initech'].map((name, i) => ({
        id: String(i),
        values: { entity: String(7 + i), amount: String(100 * (i + 1)), formulanumeric: String(i) },
        texts: { entity: name },
      })),
  },
};

const INDEX = Object.values(SEARCHES).map((s, i) => ({
  id: s.id, scriptId: s.scriptId, title: s.title, recordType: 'transaction', recordTypeText: i === 0 ? 'Transaction' : null,
}));

function restlet(options = {}) {
  const modules = makeModules({ searches: SEARCHES, savedSearchIndex: INDEX, ...options });
  return { get: loadRestlet(SCRIPT, modules).get, modules };
}

function allPages(get, params, pageSize) {
  const rows = [];
  let page = 0;
  for (;;) {
    const out = get({ ...params, action: 'run', pageSize: String(pageSize), page: String(page) });
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    rows.push(...out.rows);
    if (!out.hasMore) return { rows, last: out };
    page += 1;
    assert.ok(page < 100, 'paging ends');
  }
}

test('a sorted search pages to the end with its labels, every row once and in order', () => {
  const { get } = restlet();
  const first = get({ action: 'run', searchId: 'customsearch_open_invoices', pageSize: '5', page: '0' });
  assert.deepEqual(first.columns.map((c) => c.label), ['Customer', 'Number', 'Amount', 'memo']);
  assert.equal(first.totalResults, 23);
  assert.equal(first.pageCount, 5);
  assert.equal(first.hasMore, true);
  assert.equal(first.sortAdded, false);
  assert.deepEqual(first.rows[0], ['Acme', 'INV1000', '0.00', '']);
  const { rows, last } = allPages(get, { searchId: '42' }, 5);
  assert.equal(last.page, 4);
  assert.equal(last.rows.length, 3);
  assert.deepEqual(rows.map((r) => r[1]), invoices.map((i) => i.values.tranid));
  assert.ok(last.remainingUsage > 0 && last.remainingUsage < 5000, 'governance is reported');
});

test('a page past the end is empty, not an error', () => {
  const { get } = restlet();
  const out = get({ action: 'run', searchId: '42', pageSize: '10', page: '7' });
  assert.deepEqual(out.rows, []);
  assert.equal(out.hasMore, false);
});

test('an unsorted search gets a hidden internal-id sort so that pages neither skip nor repeat rows', () => {
  const { get } = restlet();
  const { rows, last } = allPages(get, { searchId: 'customsearch_unsorted' }, 5);
  assert.equal(last.sortAdded, true);
  assert.deepEqual(last.columns.map((c) => c.label), ['Number', 'Amount', 'Amount (2)'], 'the hidden column is not shown');
  assert.deepEqual(rows.map((r) => r[0]), invoices.map((i) => i.values.tranid));
});

test('the fake really shuffles unsorted searches (so the test above can fail)', () => {
  const { modules } = restlet();
  const s = modules.search.load({ id: '43' });
  const a = s.runPaged({ pageSize: 1000 }).fetch({ index: 0 }).data.map((r) => r.id);
  const b = s.runPaged({ pageSize: 1000 }).fetch({ index: 0 }).data.map((r) => r.id);
  assert.notDeepEqual(a, b);
});

test('summary and formula columns get NetSuite-like labels and the search is sorted by its group', () => {
  const { get } = restlet();
  const out = get({ action: 'run', searchId: '44', pageSize: '5' });
  assert.deepEqual(out.columns.map((c) => c.label), ['entity', 'Sum of amount', 'Maximum of Formula']);
  assert.deepEqual(out.columns.map((c) => c.summary), ['group', 'sum', 'max']);
  assert.equal(out.columns[2].formula, '{amount} * 2');
  assert.equal(out.sortAdded, true);
  assert.deepEqual(out.rows.map((r) => r[0]), ['Acme', 'Globex', 'Initech']);
});

test('a missing search passes NetSuite\'s INVALID_SEARCH through', () => {
  const { get } = restlet();
  const out = get({ action: 'run', searchId: 'customsearch_nope' });
  assert.deepEqual(out, { error: { code: 'INVALID_SEARCH', message: 'That search or mass update does not exist.' } });
});

test('a search the role may not run passes the permission error through', () => {
  const { get } = restlet({ denied: ['customsearch_payroll'] });
  const out = get({ action: 'run', searchId: 'customsearch_payroll' });
  assert.equal(out.error.code, 'INSUFFICIENT_PERMISSION');
  assert.match(out.error.message, /Perform Search/);
});

test('page sizes outside 5..1000, bad pages, a missing id and unknown actions are refused', () => {
  const { get } = restlet();
  for (const pageSize of ['4', '1001', 'x', '-5', '2.5']) {
    const out = get({ action: 'run', searchId: '42', pageSize });
    assert.equal(out.error.code, 'INVALID_PARAMETER', pageSize);
    assert.match(out.error.message, /pageSize/);
  }
  assert.equal(get({ action: 'run', searchId: '42', page: '-1' }).error.code, 'INVALID_PARAMETER');
  assert.equal(get({ action: 'run' }).error.code, 'INVALID_PARAMETER');
  assert.equal(get({ action: 'delete' }).error.code, 'INVALID_PARAMETER');
  assert.equal(get({}).error.code, 'INVALID_PARAMETER');
});

test('the governance limit surfaces as NetSuite\'s usage error', () => {
  const { get } = restlet({ units: 12 });
  const out = get({ action: 'run', searchId: '42', pageSize: '5' });
  assert.equal(out.error.code, 'SSS_USAGE_LIMIT_EXCEEDED');
});

test('listing pages through saved searches by title and filters by text', () => {
  const { get } = restlet();
  const all = get({ action: 'list', pageSize: '1000' });
  assert.equal(all.totalResults, 3);
  assert.deepEqual(all.searches.map((s) => s.title), ['Open Invoices', 'Sales by Customer', 'Unsorted']);
  assert.deepEqual(all.searches[0], { id: '42', scriptId: 'customsearch_open_invoices', title: 'Open Invoices', recordType: 'Transaction' });
  const page = get({ action: 'list', pageSize: '5', page: '0', q: 'sales' });
  assert.deepEqual(page.searches.map((s) => s.scriptId), ['customsearch_by_customer']);
  assert.equal(page.hasMore, false);
});
