// Build step after tsc: replaces each compiled src/vendor/<name>.js with one bundled module of that
// library, so a starting thread loads one file instead of hundreds (see src/vendor/typebox.ts).
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

const entries = readdirSync('src/vendor').filter((f) => f.endsWith('.ts')).map((f) => `src/vendor/${f}`);
await build({
  entryPoints: entries,
  outdir: 'dist/src/vendor',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // A thread keeps each module's source text in its heap: without the indentation discord.js holds ~4 MB less.
  minifyWhitespace: true,
  // Classes and functions keep their own names where the bundle renames them to avoid a clash (UserManager →
  // UserManager2): discord.js looks its cache limits up by the manager's class name.
  keepNames: true,
  logLevel: 'warning',
  // Optional packages the libraries look for at run time and do without (native add-ons of ws and discord.js,
  // node-fetch's charset converter): they stay separate packages (test/unit/vendor-bundle.test.ts lists them too).
  external: ['bufferutil', 'utf-8-validate', 'zlib-sync', 'erlpack', 'encoding'],
  // Packages whose work Node itself does (see each shim): the bundles take Node's built-ins in their place.
  alias: { 'whatwg-url': './scripts/vendor-shims/whatwg-url.cjs', undici: './scripts/vendor-shims/undici.cjs' },
  // CommonJS libraries inside an ES module still call require() for Node's own modules.
  banner: { js: "import { createRequire as vendorRequire } from 'node:module'; const require = vendorRequire(import.meta.url);" },
});
