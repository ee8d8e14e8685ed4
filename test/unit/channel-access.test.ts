/** Table tests for channel access (dm_policy, allow lists, pairing codes), the Telegram rate limit, commands and webhook secret. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideAccess, isListed, newPairingCode, pairingReply, planPairing,
  MAX_PENDING_PAIRINGS, PAIRING_ALPHABET, PAIRING_TTL_MS, type AccessDecision, type DmPolicy,
} from '../../src/channels/access.js';
import { RateLimiter, type RateVerdict } from '../../src/channels/telegram/rate-limit.js';
import { parseCommand, type ParsedCommand } from '../../src/channels/telegram/commands.js';
import { secretMatches } from '../../src/channels/telegram/webhook.js';

describe('decideAccess', () => {
  const cases: Array<[DmPolicy, boolean, boolean, AccessDecision]> = [
    ['open', false, false, 'allow'],
    ['pairing', false, false, 'pair'],
    ['pairing', true, false, 'allow'],
    ['pairing', false, true, 'allow'],
    ['allowlist', false, false, 'refuse'],
    ['allowlist', true, false, 'allow'],
    ['allowlist', false, true, 'allow'],
  ];
  for (const [policy, byConfig, byStore, expected] of cases) {
    test(`${policy}, config ${byConfig}, store ${byStore} → ${expected}`, () => {
      assert.equal(decideAccess(policy, { allowedByConfig: byConfig, allowedByStore: byStore }), expected);
    });
  }
});

describe('isListed', () => {
  const cases: Array<[string[], { id: string; username?: string }, boolean]> = [
    [['42'], { id: '42' }, true],
    [['42'], { id: '421' }, false],
    [['@Ada'], { id: '1', username: 'ada' }, true],
    [['@ada'], { id: '1' }, false],
    [['ada'], { id: '1', username: 'ada' }, false],
    [[' 42 ', '@bob'], { id: '42' }, true],
    [[], { id: '42', username: 'x' }, false],
  ];
  for (const [list, user, expected] of cases) {
    test(`${JSON.stringify(list)} ∋ ${JSON.stringify(user)} = ${expected}`, () => assert.equal(isListed(list, user), expected));
  }
});

test('pairing codes: 8 characters from an alphabet without look-alikes', () => {
  for (const c of '01OIL') assert.ok(!PAIRING_ALPHABET.includes(c), `alphabet contains ${c}`);
  for (let i = 0; i < 200; i++) assert.match(newPairingCode(), new RegExp(`^[${PAIRING_ALPHABET}]{8}$`));
  let n = 0;
  assert.equal(newPairingCode(() => n++ % 3), 'ABCABCAB');
  assert.match(pairingReply('telegram', 'ABCD2345'), /ABCD2345[\s\S]*clanker pairing approve telegram ABCD2345/);
});

describe('planPairing', () => {
  const now = 1_000_000;
  const p = (code: string, userId: string, expiresAt = now + 1000) => ({ code, userId, expiresAt });
  test('a new stranger gets a fresh code valid for an hour', () => {
    const plan = planPairing([], '7', now);
    assert.equal(plan.kind, 'create');
    if (plan.kind === 'create') assert.equal(plan.expiresAt, now + PAIRING_TTL_MS);
  });
  test('a stranger asking again gets the same code', () => {
    assert.deepEqual(planPairing([p('AAAAAAAA', '7')], '7', now), { kind: 'reuse', code: 'AAAAAAAA' });
  });
  test(`at most ${MAX_PENDING_PAIRINGS} pending codes`, () => {
    assert.deepEqual(planPairing([p('A', '1'), p('B', '2'), p('C', '3')], '7', now), { kind: 'full' });
  });
  test('expired codes do not count', () => {
    assert.equal(planPairing([p('A', '1', now - 1), p('B', '2', now - 1), p('C', '3', now - 1)], '7', now).kind, 'create');
    assert.equal(planPairing([p('A', '7', now - 1)], '7', now).kind, 'create');
  });
  test('a colliding code is drawn again', () => {
    let n = 0;
    const plan = planPairing([p('AAAAAAAA', '1')], '7', now, () => (n++ < 8 ? 0 : 1));
    assert.deepEqual(plan.kind === 'create' && plan.code, 'BBBBBBBB');
  });
});

test('rate limit: N per minute, one notice, then silence until the window frees up', () => {
  let clock = 0;
  const limiter = new RateLimiter(3, () => clock);
  const steps: Array<[at: number, user: string, expected: RateVerdict]> = [
    [0, 'a', 'ok'], [1, 'a', 'ok'], [2, 'a', 'ok'], [3, 'a', 'notice'], [4, 'a', 'drop'], [5, 'b', 'ok'],
    [59_999, 'a', 'drop'], [60_001, 'a', 'ok'], [60_002, 'a', 'ok'], [60_003, 'a', 'ok'], [60_004, 'a', 'notice'],
  ];
  for (const [at, user, expected] of steps) {
    clock = at;
    assert.equal(limiter.check(user), expected, `at ${at} for ${user}`);
  }
  assert.equal(new RateLimiter(0).check('x'), 'ok');
});

describe('parseCommand', () => {
  const cases: Array<[string, ParsedCommand]> = [
    ['/start', { kind: 'command', name: 'start' }],
    ['/HELP', { kind: 'command', name: 'help' }],
    ['/new please', { kind: 'command', name: 'new' }],
    ['/status@clanker_test_bot', { kind: 'command', name: 'status' }],
    ['/status@other_bot', { kind: 'other-bot' }],
    ['/unknown', { kind: 'none' }],
    ['/newer', { kind: 'none' }],
    ['hello /new', { kind: 'none' }],
  ];
  for (const [text, expected] of cases) test(text, () => assert.deepEqual(parseCommand(text, 'clanker_test_bot'), expected));
});

test('webhook secret comparison', () => {
  assert.equal(secretMatches('s3cret', 's3cret'), true);
  assert.equal(secretMatches('s3cret-', 's3cret'), false);
  assert.equal(secretMatches('', 's3cret'), false);
  assert.equal(secretMatches(undefined, 's3cret'), false);
  assert.equal(secretMatches('', ''), false);
});
