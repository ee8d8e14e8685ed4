// Build step after tsc: replaces each compiled src/vendor/<name>.js with one bundled module of that
// library, so a starting thread loads one file instead of hundreds (see src/vendor/typebox.ts).
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Bundles whose libraries look things up by class name: a bundle renames a class whose name clashes
 * (UserManager → UserManager2), and discord.js finds each cache's limit by its manager's name, node-fetch
 * (grammy's) recognises AbortSignal and Blob by theirs. Kept names cost ~0.4 MB of heap per bundle, so
 * only these keep them.
 */
const KEEP_NAMES = new Set(['discord.ts', 'grammy.ts']);

const files = readdirSync('src/vendor').filter((f) => f.endsWith('.ts'));
const common = {
  outdir: 'dist/src/vendor',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // A thread keeps each module's source text in its heap: without the indentation discord.js holds ~4 MB less.
  minifyWhitespace: true,
  logLevel: 'warning',
  // Optional packages the libraries look for at run time and do without (native add-ons of ws and discord.js,
  // node-fetch's charset converter): they stay separate packages (test/unit/vendor-bundle.test.ts lists them too).
  external: ['bufferutil', 'utf-8-validate', 'zlib-sync', 'erlpack', 'encoding'],
  // Packages whose work Node itself does (see each shim): the bundles take Node's built-ins in their place.
  alias: { 'whatwg-url': './scripts/vendor-shims/whatwg-url.cjs', undici: './scripts/vendor-shims/undici.cjs' },
  // CommonJS libraries inside an ES module still call require() for Node's own modules.
  banner: { js: "import { createRequire as vendorRequire } from 'node:module'; const require = vendorRequire(import.meta.url);" },
};
await Promise.all([true, false].map((keepNames) => build({
  ...common,
  entryPoints: files.filter((f) => KEEP_NAMES.has(f) === keepNames).map((f) => `src/vendor/${f}`),
  keepNames,
})));
