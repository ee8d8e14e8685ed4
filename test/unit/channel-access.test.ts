// The shared dm_policy decision and pairing codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAccess, newPairingCode, pairingReply, MAX_PENDING_PAIRINGS, PAIRING_TTL_MS, type AccessDecision, type DmPolicy } from '../../src/channels/access.js';

describe('decideAccess', () => {
  const table: [DmPolicy, boolean, boolean, AccessDecision][] = [
    ['open', false, false, 'allow'],
    ['allowlist', false, false, 'refuse'],
    ['allowlist', true, false, 'allow'],
    ['allowlist', false, true, 'allow'],
    ['pairing', false, false, 'pair'],
    ['pairing', true, false, 'allow'],
    ['pairing', false, true, 'allow'],
  ];
  for (const [policy, allowedByConfig, allowedByStore, expected] of table) {
    test(`${policy} config=${allowedByConfig} store=${allowedByStore} → ${expected}`, () => {
      assert.equal(decideAccess(policy, { allowedByConfig, allowedByStore }), expected);
    });
  }
});

describe('pairing codes', () => {
  test('8 characters without look-alikes', () => {
    for (let i = 0; i < 200; i++) assert.match(newPairingCode(), /^[A-HJKMNP-Z2-9]{8}$/);
  });

  test('the random source decides the code', () => {
    assert.equal(newPairingCode(() => 0), 'AAAAAAAA');
    assert.equal(newPairingCode((max) => max - 1), '99999999');
  });

  test('the reply names the code and the approve command', () => {
    const text = pairingReply('discord', 'ABCD2345');
    assert.match(text, /ABCD2345/);
    assert.match(text, /clanker pairing approve discord ABCD2345/);
  });

  test('limits', () => {
    assert.equal(PAIRING_TTL_MS, 3_600_000);
    assert.equal(MAX_PENDING_PAIRINGS, 3);
  });
});
