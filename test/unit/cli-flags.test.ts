// CLI flag helpers: values exactly as typed (cac would turn 19-digit ids into lossy numbers), required flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiredFlag, stringFlag } from '../../src/cli/output.js';
import { wsUrl } from '../../src/cli/ws-client.js';

test('stringFlag reads the raw argv value, last one winning', () => {
  const argv = ['node', 'clanker', 'send', '--to', '123456789012345678901', '--token=0042', '--to', '00999'];
  assert.equal(stringFlag('to', 999, argv), '00999');
  assert.equal(stringFlag('token', 42, argv), '0042');
  assert.equal(stringFlag('message', undefined, argv), undefined);
  assert.equal(stringFlag('session', 'from-alias', argv), 'from-alias');
});

test('requiredFlag names the missing flag', () => {
  assert.equal(requiredFlag('to', 1, ['--to', '1']), '1');
  assert.throws(() => requiredFlag('channel', undefined, []), /^Error: --channel is required/);
  assert.throws(() => requiredFlag('message', true, ['--message']), /--message is required/);
});

test('wsUrl maps http(s) to ws(s) /ws', () => {
  assert.equal(wsUrl('http://127.0.0.1:18789'), 'ws://127.0.0.1:18789/ws');
  assert.equal(wsUrl('https://gw.example'), 'wss://gw.example/ws');
});
