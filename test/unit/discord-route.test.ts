// Which Discord messages are answered: server, mentions, bots, allow lists, DM policies and the /new command.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isResetCommand, mayUseCommand, routeMessage, stripBotMention, type AccessRules, type IncomingFacts, type Route } from '../../src/channels/discord/route.js';

const BOT = '1100000000000000001';
const GUILD = '1200000000000000001';
const ALICE = '1300000000000000001';
const MALLORY = '1300000000000000002';
const PAIRED = '1300000000000000003';

const rules = (over: Partial<AccessRules> = {}): AccessRules => ({ guild_id: GUILD, allowed_users: [ALICE], dm_policy: 'allowlist', require_mention: true, ...over });
const msg = (over: Partial<IncomingFacts> = {}): IncomingFacts => ({
  authorId: ALICE, authorIsBot: false, botId: BOT, guildId: GUILD, mentionsBot: true, content: `<@${BOT}> hello`, ...over,
});
const store = (id: string): boolean => id === PAIRED;

describe('stripBotMention', () => {
  const table: [string, string][] = [
    [`<@${BOT}> hi`, 'hi'],
    [`<@!${BOT}> hi`, 'hi'],
    [`hi <@${BOT}>, how are you`, 'hi , how are you'],
    [`<@${BOT}>`, ''],
    [`<@${ALICE}> hi`, `<@${ALICE}> hi`],
    ['  spaced  ', 'spaced'],
  ];
  for (const [input, expected] of table) test(JSON.stringify(input), () => assert.equal(stripBotMention(input, BOT), expected));
});

describe('isResetCommand', () => {
  for (const [text, expected] of [['/new', true], ['/NEW ', true], [' /new', true], ['/new chat', false], ['/newer', false], ['new', false]] as const) {
    test(JSON.stringify(text), () => assert.equal(isResetCommand(text), expected));
  }
});

describe('routeMessage', () => {
  const table: [string, IncomingFacts, AccessRules, Route][] = [
    ['a mention in the allowed server is answered without the mention', msg(), rules(), { action: 'message', text: 'hello' }],
    ['own messages are ignored', msg({ authorId: BOT }), rules(), { action: 'ignore', reason: 'own' }],
    ['other bots are ignored', msg({ authorIsBot: true }), rules(), { action: 'ignore', reason: 'bot' }],
    ['another server is ignored', msg({ guildId: '1200000000000000002' }), rules(), { action: 'ignore', reason: 'other_guild' }],
    ['any server when guild_id is empty', msg({ guildId: '1200000000000000002' }), rules({ guild_id: '' }), { action: 'message', text: 'hello' }],
    ['no mention, no answer', msg({ mentionsBot: false, content: 'hello' }), rules(), { action: 'ignore', reason: 'no_mention' }],
    ['no mention needed when require_mention is off', msg({ mentionsBot: false, content: 'hello' }), rules({ require_mention: false }), { action: 'message', text: 'hello' }],
    ['unlisted user in the server is ignored', msg({ authorId: MALLORY }), rules(), { action: 'ignore', reason: 'not_allowed' }],
    ['paired user in the server is answered', msg({ authorId: PAIRED }), rules(), { action: 'message', text: 'hello' }],
    ['everyone in the server when allowed_users is empty', msg({ authorId: MALLORY }), rules({ allowed_users: [] }), { action: 'message', text: 'hello' }],
    ['a bare mention is empty', msg({ content: `<@${BOT}>` }), rules(), { action: 'ignore', reason: 'empty' }],
    ['/new after the mention resets', msg({ content: `<@${BOT}> /new` }), rules(), { action: 'reset' }],
    ['DM from a listed user', msg({ guildId: null, mentionsBot: false, content: 'hi' }), rules(), { action: 'message', text: 'hi' }],
    ['DM /new from a listed user', msg({ guildId: null, mentionsBot: false, content: '/new' }), rules(), { action: 'reset' }],
    ['DM from a stranger under allowlist', msg({ guildId: null, authorId: MALLORY, content: 'hi' }), rules(), { action: 'refuse' }],
    ['DM from a stranger under pairing', msg({ guildId: null, authorId: MALLORY, content: 'hi' }), rules({ dm_policy: 'pairing' }), { action: 'pair' }],
    ['DM from a paired user under pairing', msg({ guildId: null, authorId: PAIRED, content: 'hi' }), rules({ dm_policy: 'pairing' }), { action: 'message', text: 'hi' }],
    ['DM from a stranger under open', msg({ guildId: null, authorId: MALLORY, content: 'hi' }), rules({ dm_policy: 'open' }), { action: 'message', text: 'hi' }],
    ['DM from a bot under open', msg({ guildId: null, authorIsBot: true, content: 'hi' }), rules({ dm_policy: 'open' }), { action: 'ignore', reason: 'bot' }],
  ];
  for (const [name, m, r, expected] of table) test(name, () => assert.deepEqual(routeMessage(m, r, store), expected));
});

describe('mayUseCommand', () => {
  test('same rules as messages, no mention needed', () => {
    assert.equal(mayUseCommand(ALICE, GUILD, rules(), store), true);
    assert.equal(mayUseCommand(ALICE, '1200000000000000002', rules(), store), false);
    assert.equal(mayUseCommand(MALLORY, GUILD, rules(), store), false);
    assert.equal(mayUseCommand(MALLORY, null, rules({ dm_policy: 'pairing' }), store), false);
    assert.equal(mayUseCommand(MALLORY, null, rules({ dm_policy: 'open' }), store), true);
  });
});
