/** The Telegram outbox against the fake Bot API: typing, throttled previews, final HTML edits and chunks. */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Bot } from '../../src/vendor/grammy.js';
import { startFakeTelegram, validateTelegramHtml, type FakeTelegram } from '../fakes/telegram.js';
import { Outbox, DEFAULT_TIMING } from '../../src/channels/telegram/outbox.js';
import { createLogger } from '../../src/log/logger.js';

const logger = createLogger({ level: 'silent', secrets: [] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Outbox', () => {
  let tg: FakeTelegram;
  let outbox: Outbox;
  before(async () => {
    tg = await startFakeTelegram();
    outbox = new Outbox(new Bot(tg.token, { client: { apiRoot: tg.apiRoot } }).api, logger, { ...DEFAULT_TIMING, editIntervalMs: 200, typingIntervalMs: 50 });
  });
  after(async () => {
    outbox?.close();
    await tg?.close();
  });

  test('typing is shown at once and repeated until stopped', async () => {
    outbox.startTyping(7);
    await tg.waitFor(() => tg.chatActions.filter((a) => a.chat_id === 7).length >= 3);
    outbox.stopTyping(7);
    const count = tg.chatActions.filter((a) => a.chat_id === 7).length;
    await sleep(150);
    assert.equal(tg.chatActions.filter((a) => a.chat_id === 7).length, count);
  });

  test('a stream is one preview edited at most once per interval, then finished as HTML', async () => {
    const chat = 8;
    outbox.startTyping(chat);
    const started = Date.now();
    let text = '';
    for (let i = 0; i < 20; i++) {
      text += `word${i} `;
      outbox.stream({ to: String(chat), streamId: 's1', text });
      await sleep(50);
    }
    const elapsed = Date.now() - started;
    const sent = await outbox.send({ to: String(chat), text: `${text}**done**`, streamId: 's1' });
    const records = tg.sent.filter((s) => s.chat_id === chat);
    const previewId = records[0]?.message_id;
    assert.equal(records[0]?.method, 'sendMessage');
    assert.deepEqual(sent.messageIds, [String(previewId)]);
    const edits = records.filter((s) => s.method === 'editMessageText' && s.parse_mode === undefined);
    assert.ok(edits.length >= 1 && edits.length <= Math.ceil(elapsed / 200) + 1, `${edits.length} edits in ${elapsed} ms`);
    assert.equal(records.at(-1)?.parse_mode, 'HTML');
    assert.match(records.at(-1)?.text ?? '', /<b>done<\/b>$/);
    await sleep(300);
    assert.equal(tg.sent.filter((s) => s.chat_id === chat).at(-1)?.parse_mode, 'HTML', 'no preview edit after the final text');
    assert.equal(tg.chatActions.filter((a) => a.chat_id === chat).length, 1, 'typing stopped with the preview');
  });

  test('a long final answer edits the preview into the first chunk and sends the rest', async () => {
    const chat = 9;
    outbox.stream({ to: String(chat), streamId: 's2', text: 'Starting…' });
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} <${'z'.repeat(900)}>`).join('\n\n');
    const sent = await outbox.send({ to: String(chat), text: long, streamId: 's2', replyTo: '1' });
    assert.ok(sent.messageIds.length >= 3);
    const finals = tg.sent.filter((s) => s.chat_id === chat && s.parse_mode === 'HTML');
    assert.equal(finals[0]?.method, 'editMessageText');
    for (const f of finals) assert.equal(validateTelegramHtml(f.text), null);
    assert.deepEqual(finals.map((f) => String(f.message_id)), sent.messageIds);
  });

  test('a preview the user deleted is replaced by a new message', async () => {
    const chat = 10;
    const api = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } }).api;
    outbox.stream({ to: String(chat), streamId: 's3', text: 'draft' });
    const preview = await tg.waitFor(() => tg.sent.find((s) => s.chat_id === chat));
    await api.deleteMessage(chat, preview.message_id);
    const sent = await outbox.send({ to: String(chat), text: 'final', streamId: 's3' });
    assert.notEqual(sent.messageIds[0], String(preview.message_id));
    assert.equal(tg.sent.at(-1)?.text, 'final');
  });

  test('a blocked user makes the send fail with a clear error', async () => {
    tg.failNext('sendMessage', 1, { status: 403 });
    await assert.rejects(outbox.send({ to: '11', text: 'hello' }), /telegram refused sendMessage: Forbidden/);
  });
});
