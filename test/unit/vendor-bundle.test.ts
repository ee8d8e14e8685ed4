// The build bundles each src/vendor facade into one file: what starts fast is a self-contained module that still works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

const vendorDir = fileURLToPath(new URL('../../src/vendor/', import.meta.url));
const facades = readdirSync(vendorDir).filter((f) => f.endsWith('.js'));

/** Optional packages the libraries try at run time and do without: left out of the bundles (scripts/bundle-vendor.mjs). */
const OPTIONAL = new Set(['bufferutil', 'utf-8-validate', 'zlib-sync', 'erlpack', 'encoding']);

test('every vendor facade is built as one module that loads no package but optional ones', () => {
  assert.deepEqual(facades.sort(), ['discord.js', 'grammy.js', 'pino.js', 'prom-client.js', 'typebox.js']);
  for (const file of facades) {
    const code = readFileSync(vendorDir + file, 'utf8');
    // What the bundle still loads: its ES imports (minified: `import{x}from"y"`) and the require() calls of CommonJS code.
    const loaded = [
      ...[...code.matchAll(/(?:^|;)\s*import\s*(?:[\w$\s{},*]+?from\s*)?["']([^"']+)["']/gm)].map((m) => m[1] ?? ''),
      ...[...code.matchAll(/__require\("([^"]+)"\)/g)].map((m) => m[1] ?? ''),
    ];
    assert.ok(loaded.some((spec) => spec === 'node:module'), `${file}: the loads were not found (${loaded.length})`);
    assert.deepEqual(loaded.filter((spec) => !isBuiltin(spec) && !OPTIONAL.has(spec)), [], `${file} still loads packages`);
  }
});

test('the bundled libraries work: a schema check, a log line, a metric', async () => {
  const { Type, TypeCompiler } = await import('../../src/vendor/typebox.js');
  const check = TypeCompiler.Compile(Type.Object({ n: Type.Integer() }));
  assert.equal(check.Check({ n: 1 }), true);
  assert.equal(check.Check({ n: 'x' }), false);

  const { pino } = await import('../../src/vendor/pino.js');
  const lines: string[] = [];
  pino({ base: null, timestamp: false }, { write: (line: string) => lines.push(line) }).info('hello');
  assert.deepEqual(JSON.parse(lines[0] ?? '{}'), { level: 30, msg: 'hello' });

  const { Registry, Counter } = await import('../../src/vendor/prom-client.js');
  const registry = new Registry();
  new Counter({ name: 'bundled_total', help: 'a counter', registers: [registry] }).inc(2);
  assert.match(await registry.metrics(), /^bundled_total 2$/m);
});
