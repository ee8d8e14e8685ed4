// docs/CONFIG.md must be exactly what the schema renders, so every key, default and env name is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigDoc } from '../../src/config/docs.js';
import { CONFIG_KEYS } from '../../src/config/schema.js';

const doc = readFileSync(new URL('../../../docs/CONFIG.md', import.meta.url), 'utf8');

test('docs/CONFIG.md is up to date with the schema (run `npm run docs:config`)', () => {
  assert.equal(doc, renderConfigDoc());
});

test('docs/CONFIG.md names every key and its environment variable', () => {
  for (const key of CONFIG_KEYS) {
    assert.ok(doc.includes(`\`${key.path[key.path.length - 1]}\``), `missing key ${key.path.join('.')}`);
    assert.ok(doc.includes(`\`${key.envName}\``), `missing env ${key.envName}`);
  }
});
