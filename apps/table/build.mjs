// Builds dist/table.html: src/main.ts bundled (with the MCP Apps SDK) and minified by esbuild, inlined with
// src/style.css into src/index.html. One file, no external references; the same sources give the same bytes.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

// zod re-exports its ~40 translations of error messages as a namespace, which keeps all of them (260 kB) in the
// bundle; nothing here uses any but English, which zod loads by default.
const englishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${"node_modules"}/zod/`) ? { path: join(dirname(args.importer), args.path), namespace: "zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), "en.js"))};`,
      resolveDir: dirname(args.path),
    }));
  },
};
const out = await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  platform: "browser",
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "warning",
  plugins: [englishOnly],
});
// A `</script` inside the code would end the inline script early.
const script = out.outputFiles[0].text.trim().replace(/<\/(script)/gi, "<\\/$1");
const style = readFileSync(join(here, "src/style.css"), "utf8").trim();
const template = readFileSync(join(here, "src/index.html"), "utf8");
const html = template.replace("{{STYLE}}", () => style).replace("{{SCRIPT}}", () => script);
mkdirSync(join(here, "dist"), { recursive: true });
writeFileSync(join(here, "dist/table.html"), html);
console.log(`dist/table.html: ${Buffer.byteLength(html)} bytes`);
