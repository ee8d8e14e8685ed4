// The build bundles each src/vendor facade into one file: what starts fast is a self-contained module that still works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const vendorDir = fileURLToPath(new URL('../../src/vendor/', import.meta.url));
const facades = readdirSync(vendorDir).filter((f) => f.endsWith('.js'));

test('every vendor facade is built as one module that imports no package', () => {
  assert.deepEqual(facades.sort(), ['discord.js', 'grammy.js', 'pino.js', 'prom-client.js', 'typebox.js']);
  for (const file of facades) {
    const code = readFileSync(vendorDir + file, 'utf8');
    const imports = [...code.matchAll(/^(?:import|export) .* from ["']([^"']+)["']/gm)].map((m) => m[1]);
    assert.deepEqual(imports.filter((spec) => !spec?.startsWith('node:')), [], `${file} still imports packages`);
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
