// Telegram channel behaviour beyond the acceptance list: commands, non-text, allow list, groups and the per-user rate limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../helpers/cli.js';
import { textOfContent } from '../fakes/model-fake-text.js';
import { ada, answered, harness, notices, polling, storedUserTexts, type Harness } from './telegram-harness.js';

const carol = { id: 55, first_name: 'Carol', username: 'Carol' };
const bob = { id: 43, first_name: 'Bob' };
const mallory = { id: 66, first_name: 'Mallory', username: 'mallory' };
const GROUP = -100200;

describe('telegram policies (allowlist, groups on mention)', () => {
  let h: Harness;
  let gw: RunningGateway;
  const userTextsSeenByModel = (): string[] => h.model.requests.flatMap((r) => {
    const messages = (r.body as { messages?: Array<{ role: string; content: unknown }> }).messages ?? [];
    return messages.filter((m) => m.role === 'user').map((m) => textOfContent(m.content));
  });
  const noticeTo = (chat: number, pattern: RegExp) => h.tg.waitFor(() => notices(h.tg, chat).find((n) => pattern.test(n.text)));

  before(async () => {
    h = await harness();
    gw = await h.start(['allowed_users = ["42", "@carol"]', 'dm_policy = "allowlist"', 'group_policy = "mention"']);
    await polling(gw);
  });
  after(async () => h?.close());

  test('/start, /help, /status and /new', async () => {
    h.tg.injectText(ada, '/start');
    await noticeTo(42, /^Hi! I'm your assistant/);
    h.tg.injectText(ada, '/help');
    await noticeTo(42, /^Send me a message/);
    h.tg.injectText(ada, 'remember me');
    await answered(h.tg, 42, 'remember me');
    h.tg.injectText(ada, '/status');
    const status = await noticeTo(42, /^Model:/);
    assert.match(status.text, /Model: claude-test \(anthropic\)/);
    assert.match(status.text, /2 messages/);
    h.tg.injectText(ada, '/new');
    await noticeTo(42, /^Started a fresh conversation/);
    assert.deepEqual(await storedUserTexts(gw, 'telegram:42'), []);
    assert.ok(!userTextsSeenByModel().some((t) => t.startsWith('/')), 'commands never reach the model');
  });

  test('a photo gets "text only"; a caption is used as the text', async () => {
    h.tg.injectText(ada, '', { photo: true });
    await noticeTo(42, /text only for now/);
    h.tg.injectText(ada, 'a caption', { photo: true });
    await answered(h.tg, 42, 'a caption');
  });

  test('allowed by @username; a stranger is refused once, then ignored', async () => {
    h.tg.injectText(carol, 'hi from carol');
    await answered(h.tg, 55, 'hi from carol');
    h.tg.injectText(mallory, 'hi');
    h.tg.injectText(mallory, 'hi again');
    h.tg.injectText(ada, 'after mallory');
    await answered(h.tg, 42, 'after mallory');
    assert.equal(notices(h.tg, 66).length, 1);
    assert.match(notices(h.tg, 66)[0]?.text ?? '', /not on its list/);
    assert.ok(!userTextsSeenByModel().some((t) => t.includes('hi again') || t === 'hi'));
  });

  test('in a group: answered only when mentioned or replied to, with a reply to the message', async () => {
    h.tg.injectText(ada, 'just chatting', { chatId: GROUP });
    h.tg.injectText(mallory, '@clanker_test_bot let me in', { chatId: GROUP });
    const mentionId = h.tg.injectText(ada, '@clanker_test_bot what now', { chatId: GROUP });
    await answered(h.tg, GROUP, 'what now');
    h.tg.injectText(ada, 'and this?', { chatId: GROUP, replyToBot: true });
    await answered(h.tg, GROUP, 'and this?');
    const seen = userTextsSeenByModel();
    assert.ok(seen.includes('what now'), 'the mention is stripped');
    assert.ok(!seen.some((t) => t.includes('just chatting') || t.includes('let me in')));
    assert.equal(notices(h.tg, GROUP).length, 0, 'no refusals in groups');
    const preview = h.tg.sent.find((s) => s.chat_id === GROUP && s.method === 'sendMessage');
    assert.ok(preview?.reply_to_message_id !== undefined, 'answers in a group reply to the message');
    assert.ok(mentionId > 0);
  });
});

describe('an open bot with a per-user rate limit of 2 per minute', () => {
  let h: Harness;
  let gw: RunningGateway;
  before(async () => {
    h = await harness();
    gw = await h.start(['dm_policy = "open"', 'rate_limit_per_minute = 2']);
    await polling(gw);
  });
  after(async () => h?.close());

  test('anyone is answered; over the limit there is one polite notice and the extra messages are not stored', async () => {
    for (const n of [1, 2, 3, 4]) h.tg.injectText(bob, `burst ${n}`);
    await h.tg.waitFor(() => notices(h.tg, 43).find((n) => /faster than I can keep up/.test(n.text)));
    await answered(h.tg, 43, 'burst 2');
    h.tg.injectText(ada, 'after the burst');
    await answered(h.tg, 42, 'after the burst');
    assert.equal(notices(h.tg, 43).length, 1);
    assert.deepEqual(await storedUserTexts(gw, 'telegram:43'), ['burst 1', 'burst 2']);
  });
});
