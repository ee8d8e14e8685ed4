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

test('the bundles leave out the packages whose work Node does itself (scripts/vendor-shims)', () => {
  // From the source maps: which package files went into each bundle.
  const packagesIn = (file: string): Set<string> => {
    const map = JSON.parse(readFileSync(`${vendorDir}${file}.map`, 'utf8')) as { sources: string[] };
    return new Set(map.sources.map((src) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(src)?.[1]).filter((p) => p !== undefined));
  };
  const discord = packagesIn('discord.js');
  const grammy = packagesIn('grammy.js');
  assert.ok(discord.has('discord.js') && discord.has('@discordjs/rest'), `discord.js bundle: ${[...discord].join(', ')}`);
  assert.ok(grammy.has('grammy') && grammy.has('node-fetch'), `grammy bundle: ${[...grammy].join(', ')}`);
  for (const left of ['undici', 'whatwg-url', 'tr46']) {
    assert.ok(!discord.has(left) && !grammy.has(left), `${left} is bundled`);
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
