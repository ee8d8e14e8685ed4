// Pairing strangers in Discord DMs against a real LMDB store: one code per user, a cap per channel, approval lets them in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import { applyOps } from '../../src/store/writes.js';
import { MAX_PENDING_PAIRINGS, PAIRING_FULL_REPLY, PAIRING_TTL_MS, REFUSAL_REPLY } from '../../src/channels/access.js';
import { PAIRING_REPLY_EVERY_MS, Pairing } from '../../src/channels/discord/pairing.js';
import { routeMessage } from '../../src/channels/discord/route.js';

describe('Discord pairing', () => {
  let dir: string;
  let dbs: StoreDbs;
  let reader: StoreReader;
  let now = 1_700_000_000_000;
  let pairing: Pairing;
  let writes = 0;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clanker-discord-pairing-'));
    dbs = openDbs(dir, 32);
    reader = new StoreReader(dbs);
    pairing = new Pairing('discord', reader, async (ops) => { writes++; await applyOps(dbs, ops); }, () => now);
  });
  after(async () => {
    await dbs.root.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const codeIn = (text: string | undefined): string => /approve discord ([A-Z2-9]{8})/.exec(text ?? '')?.[1] ?? assert.fail(`no code in ${text}`);

  test('a stranger gets a code, stored for an hour; concurrent messages do not make a second one', async () => {
    const [first, second] = await Promise.all([pairing.request({ id: 'u1', username: 'mallory' }), pairing.request({ id: 'u1' })]);
    const code = codeIn(first);
    assert.equal(second, undefined, 'answered at most once a minute');
    assert.equal(writes, 1);
    const [stored] = reader.pairings('discord', now);
    assert.deepEqual(stored, { channel: 'discord', code, userId: 'u1', username: 'mallory', expiresAt: now + PAIRING_TTL_MS });
  });

  test('after a minute the same code is repeated, not replaced', async () => {
    const code = reader.pairings('discord', now)[0]?.code;
    now += PAIRING_REPLY_EVERY_MS;
    assert.equal(codeIn(await pairing.request({ id: 'u1' })), code);
    assert.equal(writes, 1);
  });

  test(`at most ${MAX_PENDING_PAIRINGS} pending codes per channel`, async () => {
    for (let i = 2; i <= MAX_PENDING_PAIRINGS; i++) codeIn(await pairing.request({ id: `u${i}` }));
    assert.equal(await pairing.request({ id: 'u-late' }), PAIRING_FULL_REPLY);
    assert.equal(reader.pairings('discord', now).length, MAX_PENDING_PAIRINGS);
  });

  test('approval lets the user talk; expiry frees a slot', async () => {
    const code = reader.pairings('discord', now).find((p) => p.userId === 'u1')?.code ?? '';
    const [approved] = await applyOps(dbs, [{ op: 'pairing.approve', channel: 'discord', code, now }]);
    assert.deepEqual(approved, { userId: 'u1', username: 'mallory' });
    const dm = { authorId: 'u1', authorIsBot: false, botId: 'bot', guildId: null, mentionsBot: false, content: 'hi' };
    const rules = { guild_id: '', allowed_users: [], dm_policy: 'pairing' as const, require_mention: true };
    assert.deepEqual(routeMessage(dm, rules, (id) => reader.isAllowed('discord', id)), { action: 'message', text: 'hi' });
    now += PAIRING_TTL_MS + 1;
    now += PAIRING_REPLY_EVERY_MS;
    codeIn(await pairing.request({ id: 'u-late' }));
  });

  test('a stranger under the allowlist policy is refused once, then ignored', () => {
    assert.equal(pairing.refuse('u9'), REFUSAL_REPLY);
    assert.equal(pairing.refuse('u9'), undefined);
    assert.equal(pairing.refuse('u10'), REFUSAL_REPLY);
  });
});
