/** Drives the fake Telegram Bot API with the real grammy client to prove it speaks the wire protocol grammy expects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bot, GrammyError, HttpError } from '../../src/vendor/grammy.js';
import { startFakeTelegram } from '../fakes/telegram.js';
import type { FakeTelegram } from '../fakes/telegram.js';

const ada = { id: 42, first_name: 'Ada', username: 'ada' };

async function withFake(fn: (fake: FakeTelegram, bot: Bot) => Promise<void>): Promise<void> {
  const fake = await startFakeTelegram();
  try {
    await fn(fake, new Bot(fake.token, { client: { apiRoot: fake.apiRoot } }));
  } finally {
    await fake.close();
  }
}

const isGrammyError = (code: number, description?: string) => (err: unknown): boolean => {
  assert.ok(err instanceof GrammyError, `expected GrammyError, got ${String(err)}`);
  assert.equal(err.error_code, code);
  if (description !== undefined) assert.equal(err.description, description);
  return true;
};

test('getMe, webhook, commands and chat actions round-trip through grammy', () =>
  withFake(async (fake, bot) => {
    const me = await bot.api.getMe();
    assert.equal(me.id, 999);
    assert.equal(me.username, 'clanker_test_bot');
    assert.equal(me.is_bot, true);

    await bot.api.setWebhook('https://example.test/hook', { secret_token: 's3cret' });
    assert.deepEqual(fake.webhook, { url: 'https://example.test/hook', secret_token: 's3cret' });
    assert.equal((await bot.api.getWebhookInfo()).url, 'https://example.test/hook');
    await assert.rejects(bot.api.getUpdates(), isGrammyError(409));
    await bot.api.deleteWebhook();
    assert.equal(fake.webhook, null);

    await bot.api.setMyCommands([{ command: 'new', description: 'Start over' }]);
    assert.deepEqual(fake.commands, [{ command: 'new', description: 'Start over' }]);
    await assert.rejects(bot.api.setMyCommands([{ command: 'Bad Name', description: 'x' }]), isGrammyError(400));

    await bot.api.sendChatAction(42, 'typing');
    assert.deepEqual(fake.chatActions, [{ chat_id: 42, action: 'typing' }]);
    assert.deepEqual(fake.calls.map((c) => c.method).slice(0, 2), ['getMe', 'setWebhook']);
  }));

test('a wrong token is 401 and an unknown method is 404, without echoing the token', () =>
  withFake(async (fake) => {
    const stranger = new Bot('111:WRONG', { client: { apiRoot: fake.apiRoot } });
    await assert.rejects(stranger.api.getMe(), isGrammyError(401, 'Unauthorized'));
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    const raw = bot.api.raw as unknown as Record<string, (p: object) => Promise<unknown>>;
    await assert.rejects(raw.noSuchMethod!({}), isGrammyError(404, 'Not Found'));
    const res = await fetch(`${fake.apiRoot}/bot111:WRONG/getMe`);
    assert.equal(res.status, 401);
    assert.doesNotMatch(await res.text(), /WRONG/);
  }));

test('offsets confirm updates, which then never come back', () =>
  withFake(async (fake, bot) => {
    const ids = ['one', 'two', 'three'].map((t) => fake.injectText(ada, t));
    assert.equal(fake.pendingUpdates(), 3);
    const firstTwo = await bot.api.getUpdates({ limit: 2 });
    assert.deepEqual(firstTwo.map((u) => u.message?.text), ['one', 'two']);
    assert.equal(firstTwo[0]?.message?.chat.type, 'private');
    assert.equal(firstTwo[0]?.message?.from?.id, 42);
    // Delivered but unconfirmed updates are delivered again.
    assert.equal((await bot.api.getUpdates()).length, 3);
    const rest = await bot.api.getUpdates({ offset: ids[1]! + 1 });
    assert.deepEqual(rest.map((u) => u.update_id), [ids[2]]);
    assert.equal(fake.pendingUpdates(), 1);
    assert.deepEqual(await bot.api.getUpdates({ offset: ids[2]! + 1 }), []);
    assert.equal(fake.pendingUpdates(), 0);
    assert.deepEqual(await bot.api.getUpdates({ offset: 0 }), []);
  }));

test('a long poll answers as soon as an update arrives, and with [] when its timeout passes', () =>
  withFake(async (fake, bot) => {
    const poll = bot.api.getUpdates({ timeout: 5 });
    await fake.waitFor(() => fake.calls.some((c) => c.method === 'getUpdates'));
    const id = fake.injectText(ada, '/start@clanker_test_bot now');
    const [update] = await poll;
    assert.equal(update?.update_id, id);
    assert.deepEqual(update?.message?.entities, [{ type: 'bot_command', offset: 0, length: 23 }]);
    // The fake accepts fractional seconds so this stays quick.
    assert.deepEqual(await bot.api.getUpdates({ offset: id + 1, timeout: 0.2 }), []);
    assert.equal(fake.getUpdatesCompleted(), 2);
  }));

test('allowed_updates filters delivery, and a newer poll ends an older one with 409', () =>
  withFake(async (fake, bot) => {
    fake.injectUpdate({ callback_query: { id: 'cb1', from: { ...ada, is_bot: false }, chat_instance: 'x', data: 'go' } });
    const textId = fake.injectText(ada, 'text');
    const only = await bot.api.getUpdates({ allowed_updates: ['message'] });
    assert.deepEqual(only.map((u) => u.update_id), [textId]);

    const older = assert.rejects(bot.api.getUpdates({ offset: textId + 1, timeout: 5 }), isGrammyError(409));
    await fake.waitFor(() => fake.calls.filter((c) => c.method === 'getUpdates').length === 2);
    assert.deepEqual(await bot.api.getUpdates({ offset: textId + 1 }), []);
    await older;
  }));

test('failNext 429 surfaces as a GrammyError with parameters.retry_after, then calls succeed', () =>
  withFake(async (fake, bot) => {
    fake.failNext('sendMessage', 2, { status: 429, retry_after: 3 });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(bot.api.sendMessage(42, 'hi'), (err: unknown) => {
        isGrammyError(429, 'Too Many Requests: retry after 3')(err);
        assert.equal((err as GrammyError).parameters.retry_after, 3);
        return true;
      });
    }
    const msg = await bot.api.sendMessage(42, 'hi');
    assert.equal(msg.text, 'hi');
    assert.equal(fake.sent.length, 1);
  }));

test('sendMessage enforces Telegram HTML, length and emptiness; message ids grow per chat', () =>
  withFake(async (fake, bot) => {
    await assert.rejects(
      bot.api.sendMessage(42, '<b>unclosed', { parse_mode: 'HTML' }),
      isGrammyError(400, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b"),
    );
    await assert.rejects(bot.api.sendMessage(42, 'a<br>b', { parse_mode: 'HTML' }), isGrammyError(400));
    await assert.rejects(bot.api.sendMessage(42, 'x'.repeat(4097)), isGrammyError(400, 'Bad Request: message is too long'));
    await assert.rejects(bot.api.sendMessage(42, ''), isGrammyError(400, 'Bad Request: message text is empty'));
    await assert.rejects(bot.api.sendMessage(42, '<b> </b>', { parse_mode: 'HTML' }), isGrammyError(400));
    assert.equal(fake.sent.length, 0);

    const a = await bot.api.sendMessage(42, '<b>hi</b> &amp; <i>bye</i>', { parse_mode: 'HTML' });
    assert.equal(a.text, 'hi & bye');
    assert.deepEqual(a.entities, [{ type: 'bold', offset: 0, length: 2 }, { type: 'italic', offset: 5, length: 3 }]);
    const b = await bot.api.sendMessage(42, 'y'.repeat(4096), { reply_parameters: { message_id: a.message_id } });
    assert.equal(b.message_id, a.message_id + 1);
    assert.equal(b.reply_to_message?.message_id, a.message_id);
    assert.equal((await bot.api.sendMessage(-100, 'group')).message_id, 1);
    await assert.rejects(bot.api.sendMessage(42, 'x', { reply_parameters: { message_id: 999 } }), isGrammyError(400));
    assert.deepEqual(
      fake.sent.map((s) => [s.chat_id, s.message_id, s.parse_mode, s.reply_to_message_id]),
      [[42, 1, 'HTML', undefined], [42, 2, undefined, 1], [-100, 1, undefined, undefined]],
    );
    assert.equal(fake.sent[0]?.text, '<b>hi</b> &amp; <i>bye</i>');
  }));

test('editMessageText edits, refuses identical content, and validates like sendMessage', () =>
  withFake(async (fake, bot) => {
    const msg = await bot.api.sendMessage(42, 'draft');
    const edited = await bot.api.editMessageText(42, msg.message_id, '<b>final</b>', { parse_mode: 'HTML' });
    assert.ok(edited !== true && 'text' in edited && edited.text === 'final' && edited.edit_date !== undefined);
    await assert.rejects(
      bot.api.editMessageText(42, msg.message_id, '<strong>final</strong>', { parse_mode: 'HTML' }),
      isGrammyError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'),
    );
    await assert.rejects(bot.api.editMessageText(42, msg.message_id, '<i>x', { parse_mode: 'HTML' }), isGrammyError(400));
    await assert.rejects(bot.api.editMessageText(42, msg.message_id, 'z'.repeat(5000)), isGrammyError(400, 'Bad Request: MESSAGE_TOO_LONG'));
    await assert.rejects(bot.api.editMessageText(42, 77, 'x'), isGrammyError(400, 'Bad Request: message to edit not found'));
    assert.deepEqual(fake.sent.map((s) => [s.method, s.message_id, s.text]), [
      ['sendMessage', 1, 'draft'],
      ['editMessageText', 1, '<b>final</b>'],
    ]);
    assert.equal(await bot.api.deleteMessage(42, msg.message_id), true);
  }));

test('hangGetUpdates holds polls unanswered while other methods keep working', () =>
  withFake(async (fake, bot) => {
    fake.hangGetUpdates(true);
    // grammy types its signal parameter with the abort-controller polyfill; a native signal works at runtime.
    const signal = AbortSignal.timeout(200) as unknown as Parameters<typeof bot.api.getUpdates>[1];
    await assert.rejects(bot.api.getUpdates({ timeout: 0 }, signal), HttpError);
    let settled = false;
    const held = bot.api.getUpdates({ timeout: 0 }).finally(() => (settled = true));
    await fake.waitFor(() => fake.calls.filter((c) => c.method === 'getUpdates').length === 2);
    await bot.api.sendMessage(42, 'still here');
    const id = fake.injectText(ada, 'queued');
    await bot.api.sendChatAction(42, 'typing');
    assert.equal(settled, false);
    assert.equal(fake.getUpdatesCompleted(), 0);
    fake.hangGetUpdates(false);
    assert.deepEqual((await held).map((u) => u.update_id), [id]);
    assert.equal(fake.getUpdatesCompleted(), 1);
  }));

test('bot.start receives an injected message and replies through ctx.reply', () =>
  withFake(async (fake, bot) => {
    bot.on('message:text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const running = bot.start({ timeout: 1 });
    try {
      fake.injectText(ada, 'hello');
      const reply = await fake.waitFor(() => fake.sent.find((s) => s.text === 'echo: hello'));
      assert.equal(reply.chat_id, 42);
    } finally {
      await bot.stop();
      await running;
    }
    // stop() confirms the last offset, so nothing is redelivered on the next start.
    assert.equal(fake.pendingUpdates(), 0);
    assert.deepEqual(new Set(fake.calls.slice(0, 2).map((c) => c.method)), new Set(['getMe', 'deleteWebhook']));
  }));

test('injectText models groups, replies to the bot and photo captions', () =>
  withFake(async (fake, bot) => {
    const mine = await bot.api.sendMessage(-5, 'bot said');
    fake.injectText(ada, '@clanker_test_bot what?', { chatId: -5, chatType: 'group', replyToBot: true });
    fake.injectText(ada, 'look', { photo: true });
    const [group, photo] = await bot.api.getUpdates();
    assert.equal(group?.message?.chat.type, 'group');
    assert.equal(group?.message?.reply_to_message?.message_id, mine.message_id);
    assert.deepEqual(group?.message?.entities, [{ type: 'mention', offset: 0, length: 17 }]);
    assert.equal(photo?.message?.caption, 'look');
    assert.equal(photo?.message?.text, undefined);
    assert.equal(photo?.message?.photo?.length, 2);
  }));

test('form-urlencoded, multipart and query-string calls are understood', () =>
  withFake(async (fake) => {
    const url = (method: string): string => `${fake.apiRoot}/bot${fake.token}/${method}`;
    const form = await fetch(url('sendMessage'), {
      method: 'POST',
      body: new URLSearchParams({ chat_id: '7', text: '<i>form</i>', parse_mode: 'HTML' }),
    });
    const first = (await form.json()) as { ok: boolean; result: { message_id: number; text: string } };
    assert.equal(first.ok, true);
    assert.equal(first.result.text, 'form');
    const multipart = new FormData();
    multipart.append('chat_id', '7');
    multipart.append('text', 'multi');
    multipart.append('reply_parameters', JSON.stringify({ message_id: first.result.message_id }));
    const second = await fetch(url('sendMessage'), { method: 'POST', body: multipart });
    assert.equal(second.status, 200);
    assert.deepEqual(fake.sent.map((s) => [s.chat_id, s.text, s.reply_to_message_id]), [[7, '<i>form</i>', undefined], [7, 'multi', 1]]);
    const query = await fetch(`${url('getUpdates')}?offset=5&timeout=0`);
    assert.deepEqual(await query.json(), { ok: true, result: [] });
    assert.equal(fake.calls.at(-1)?.body.offset, '5');
  }));
