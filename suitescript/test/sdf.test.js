// The SDF project that deploys the RESTlet: well-formed XML, the object points at the script that exists, the
// deployment ids are the ones the docs and the sandbox use, and deploy.xml ships both.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const REPO = path.join(ROOT, '..');
const read = (...p) => fs.readFileSync(path.join(...p), 'utf8');

/** A strict little XML reader: elements, quoted attributes, text, comments; throws on anything malformed. */
function parseXml(text) {
  let i = 0;
  const src = text.replace(/^\uFEFF/, '');
  const fail = (msg) => { throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`); };
  const skipProlog = () => {
    for (;;) {
      while (/\s/.test(src[i] || '')) i += 1;
      if (src.startsWith('<?', i)) { const e = src.indexOf('?>', i); if (e < 0) fail('unclosed declaration'); i = e + 2; }
      else if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unclosed comment'); i = e + 3; }
      else return;
    }
  };
  const name = () => {
    const m = /^[A-Za-z_][\w.-]*/.exec(src.slice(i));
    if (!m) fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const element = () => {
    if (src[i] !== '<') fail('expected <');
    i += 1;
    const node = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(src[i])) i += 1;
      if (src.startsWith('/>', i)) { i += 2; return node; }
      if (src[i] === '>') { i += 1; break; }
      const attr = name();
      if (src[i] !== '=') fail('expected =');
      i += 1;
      const q = src[i];
      if (q !== '"' && q !== "'") fail('attribute values are quoted');
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail('unclosed attribute');
      if (attr in node.attrs) fail(`duplicate attribute ${attr}`);
      node.attrs[attr] = src.slice(i + 1, end);
      i = end + 1;
    }
    for (;;) {
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        while (/\s/.test(src[i])) i += 1;
        if (src[i] !== '>') fail('expected >');
        i += 1;
        node.text = node.text.trim();
        return node;
      }
      if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unclosed comment'); i = e + 3; continue; }
      if (src[i] === '<') { node.children.push(element()); continue; }
      if (i >= src.length) fail(`<${node.name}> is not closed`);
      const next = src.indexOf('<', i);
      const chunk = src.slice(i, next < 0 ? src.length : next);
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(chunk)) fail('bare &');
      node.text += chunk;
      i = next < 0 ? src.length : next;
    }
  };
  skipProlog();
  const root = element();
  skipProlog();
  if (i < src.length) fail('content after the root element');
  return root;
}

const child = (node, n) => node.children.find((c) => c.name === n);

test('the reader itself rejects malformed XML', () => {
  for (const bad of ['<a><b></a>', '<a x=1/>', '<a>', '<a></a><b/>', '<a>x & y</a>', '<a x="1" x="2"/>']) {
    assert.throws(() => parseXml(bad), bad);
  }
  assert.equal(parseXml('<?xml version="1.0"?><a k="v"><b>t &amp; u</b></a>').children[0].text, 't &amp; u');
});

test('the RESTlet object is well-formed and points at the script that ships', () => {
  const obj = parseXml(read(ROOT, 'src', 'Objects', 'customscript_netsuite_mcp_search.xml'));
  assert.equal(obj.name, 'restlet');
  assert.equal(obj.attrs.scriptid, 'customscript_netsuite_mcp_search');
  const file = /^\[(\/SuiteScripts\/.+\.js)\]$/.exec(child(obj, 'scriptfile').text);
  assert.ok(file, 'scriptfile is [/SuiteScripts/...js]');
  const script = path.join(ROOT, 'src', 'FileCabinet', ...file[1].split('/').filter(Boolean));
  assert.ok(fs.existsSync(script), `${script} exists`);
  assert.match(read(script), /@NApiVersion 2\.1/);
  assert.match(read(script), /@NScriptType Restlet/);
  assert.equal(child(obj, 'isinactive').text, 'F');
  const deployments = child(obj, 'scriptdeployments').children;
  assert.equal(deployments.length, 1);
  const d = deployments[0];
  assert.equal(d.attrs.scriptid, 'customdeploy_netsuite_mcp_search');
  assert.equal(child(d, 'status').text, 'RELEASED');
  assert.equal(child(d, 'isdeployed').text, 'T');
  for (const flag of ['allroles', 'allemployees', 'allpartners', 'isdeployed']) {
    assert.match(child(d, flag).text, /^[TF]$/, flag);
  }
});

test('the manifest and deploy.xml are well-formed and deploy the object and the script folder', () => {
  const manifest = parseXml(read(ROOT, 'src', 'manifest.xml'));
  assert.equal(manifest.attrs.projecttype, 'ACCOUNTCUSTOMIZATION');
  const features = child(child(manifest, 'dependencies'), 'features').children.map((f) => f.text);
  assert.ok(features.includes('SERVERSIDESCRIPTING'));
  const deploy = parseXml(read(ROOT, 'src', 'deploy.xml'));
  const paths = deploy.children.flatMap((group) => group.children.map((p) => p.text));
  for (const p of paths) {
    const local = path.join(ROOT, 'src', p.replace(/^~\//, '').replace(/\/\*$/, ''));
    assert.ok(fs.existsSync(local), `${p} exists`);
  }
  assert.ok(paths.includes('~/Objects/customscript_netsuite_mcp_search.xml'));
});

test('the deployment docs and the sandbox name the same script and deployment ids', () => {
  const ids = 'customscript_netsuite_mcp_search,customdeploy_netsuite_mcp_search';
  const docs = read(REPO, 'docs', 'analytics.md');
  assert.ok(docs.includes(`NETSUITE_MCP_SEARCH_RESTLET=${ids}`), 'docs/analytics.md shows the setting');
  assert.ok(docs.includes('suitecloud project:deploy'), 'docs/analytics.md shows the SuiteCloud CLI step');
  assert.ok(docs.includes('netsuite_mcp_search.js'), 'docs/analytics.md names the script file');
  assert.ok(read(REPO, 'src', 'sandbox.rs').includes(ids), 'serve --sandbox points at the same deployment');
});
