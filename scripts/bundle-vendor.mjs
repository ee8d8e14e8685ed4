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
  logLevel: 'warning',
  // CommonJS libraries inside an ES module still call require() for Node's own modules.
  banner: { js: "import { createRequire as vendorRequire } from 'node:module'; const require = vendorRequire(import.meta.url);" },
});
