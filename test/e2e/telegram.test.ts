// Telegram channel acceptance (issue 5): the real CLI against the Telegram and Anthropic fakes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runCli, type RunningGateway } from '../helpers/cli.js';
import { validateTelegramHtml } from '../fakes/telegram.js';
import { textOfContent } from '../fakes/model-fake-text.js';
import { ada, answered, channelStatus, eventually, finals, harness, notices, polling, type Harness } from './telegram-harness.js';

const modelTexts = (h: Harness, i: number): Array<[unknown, string]> => {
  const body = h.model.requests[i]?.body as { messages?: Array<{ role: unknown; content: unknown }> } | undefined;
  return (body?.messages ?? []).map((m) => [m.role, textOfContent(m.content)]);
};

describe('an allowed user, and a stranger who pairs', () => {
  let h: Harness;
  let gw: RunningGateway;
  before(async () => {
    h = await harness();
    gw = await h.start(['allowed_users = ["42"]']);
    await polling(gw);
  });
  after(async () => h?.close());

  test('an allowed user is answered in the same chat, streamed then rendered as HTML; the second request carries the first exchange', async () => {
    h.tg.injectText(ada, 'hello **there**');
    const first = await answered(h.tg, 42, 'hello <b>there</b>');
    assert.equal(first.text, 'echo: hello <b>there</b>');
    assert.equal(validateTelegramHtml(first.text), null);
    assert.ok(h.tg.chatActions.some((a) => a.chat_id === 42 && a.action === 'typing'), 'typing… was shown');
    // The preview was a plain message, and the final text edited into it.
    const preview = h.tg.sent.find((s) => s.chat_id === 42 && s.method === 'sendMessage');
    assert.equal(preview?.parse_mode, undefined);
    assert.equal(first.method, 'editMessageText');
    assert.equal(first.message_id, preview?.message_id);

    h.tg.injectText(ada, 'and again');
    await answered(h.tg, 42, 'and again');
    assert.equal(h.model.callCount(), 2);
    assert.deepEqual(modelTexts(h, 1), [['user', 'hello **there**'], ['assistant', 'echo: hello **there**'], ['user', 'and again']]);
    assert.deepEqual((h.tg.commands as Array<{ command: string }>).map((c) => c.command), ['start', 'help', 'new', 'status']);
  });

  test('inbound and outbound messages are published to WebSocket subscribers of the telegram topic', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`);
    const events: Array<{ direction?: string; text?: string; session?: string }> = [];
    try {
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.on('message', (raw: Buffer) => {
        const frame = JSON.parse(raw.toString()) as { type: string; event?: string; topic?: string; data?: Record<string, string> };
        if (frame.type === 'event' && frame.event === 'message' && frame.topic === 'telegram' && frame.data) events.push(frame.data);
      });
      const subscribed = new Promise((resolve) => ws.once('message', resolve));
      ws.send(JSON.stringify({ type: 'req', id: '1', method: 'subscribe', params: { topics: ['telegram'] } }));
      await subscribed;
      h.tg.injectText(ada, 'publish me');
      await h.tg.waitFor(() => events.find((e) => e.direction === 'out' && e.text === 'echo: publish me'));
      // The previous test's answer may still be published after the subscription: look at this exchange only.
      const mine = events.filter((e) => e.text === 'publish me' || e.text === 'echo: publish me');
      assert.deepEqual(mine.map((e) => [e.direction, e.session, e.text]), [['in', 'telegram:42', 'publish me'], ['out', 'telegram:42', 'echo: publish me']]);
    } finally {
      ws.close();
    }
  });

  test('a 10,000-character answer arrives as several messages, each valid HTML within 4096 characters', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `**Part ${i}** ${'x < y & z '.repeat(34)}`).join('\n\n');
    h.model.setReply(() => long);
    try {
      const before = h.tg.sent.length;
      h.tg.injectText(ada, 'tell me everything');
      await h.tg.waitFor(() => h.tg.sent.slice(before).find((s) => s.parse_mode === 'HTML' && s.text.includes('Part 29')));
      const finalParts = h.tg.sent.slice(before).filter((s) => s.parse_mode === 'HTML');
      assert.ok(finalParts.length >= 3, `${finalParts.length} parts`);
      assert.equal(finalParts[0]?.method, 'editMessageText', 'the preview became the first part');
      for (const part of finalParts) {
        assert.equal(validateTelegramHtml(part.text), null);
        assert.ok([...part.text.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&amp;/g, '&')].length <= 4096);
      }
    } finally {
      h.model.setReply((last) => `echo: ${last}`);
    }
  });

  test('HTML that Telegram refuses is sent again as plain text', async () => {
    h.tg.failNext('sendMessage', 1, { status: 400, description: "Bad Request: can't parse entities: Unsupported start tag" });
    const res = await fetch(`${gw.url}/api/message`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'telegram', to: '42', text: 'plain **fallback**' }),
    });
    assert.equal(res.status, 200);
    const last = h.tg.sent.at(-1);
    assert.equal(last?.text, 'plain **fallback**');
    assert.equal(last?.parse_mode, undefined);
  });

  test('a stranger gets a pairing code and no model call; after `clanker pairing approve` they are told, then answered', async () => {
    const stranger = { id: 77, first_name: 'Eve', username: 'eve' };
    const calls = h.model.callCount();
    h.tg.injectText(stranger, 'let me in');
    const reply = await h.tg.waitFor(() => notices(h.tg, 77).find((s) => /pairing code/.test(s.text)));
    const code = /owner: ([A-Z2-9]{8})/.exec(reply.text)?.[1];
    assert.ok(code, reply.text);
    assert.match(code, /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/);
    // Asking again repeats the same code rather than minting new ones.
    h.tg.injectText(stranger, 'please?');
    await h.tg.waitFor(() => notices(h.tg, 77).length === 2);
    assert.ok(notices(h.tg, 77)[1]?.text.includes(code));
    assert.equal(h.model.callCount(), calls, 'no model call for a stranger');

    const approve = await runCli(['pairing', 'approve', 'telegram', code.toLowerCase(), '--url', gw.url]);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, /approved: telegram user 77 may now talk to the assistant \(told them in their chat\)/);
    const told = await h.tg.waitFor(() => h.tg.sent.find((s) => s.chat_id === 77 && s.method === 'sendMessage' && /approved/.test(s.text)));
    assert.match(told.text, /^You're approved/);
    const again = await runCli(['pairing', 'approve', 'telegram', code, '--url', gw.url]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no pending pairing code/);

    h.tg.injectText(stranger, 'thanks');
    await answered(h.tg, 77, 'thanks');
    assert.equal(h.model.callCount(), calls + 1);
  });
});

describe('429 and restarts (one data directory, gateways one after another)', () => {
  let h: Harness;
  let gw: RunningGateway;
  before(async () => {
    h = await harness();
    gw = await h.start();
    await polling(gw);
  });
  after(async () => h?.close());

  test('a 429 from Telegram is retried after retry_after (sendMessage and getUpdates)', async () => {
    h.tg.failNext('getUpdates', 1, { status: 429, retry_after: 1 });
    h.tg.failNext('sendMessage', 1, { status: 429, retry_after: 1 });
    const t0 = Date.now();
    h.tg.injectText(ada, 'rate limited');
    await answered(h.tg, 42, 'rate limited');
    // The first call of each after the failures were set got the 429; the next one waited retry_after.
    const gap = (method: string): number => {
      const [failed, retried] = h.tg.calls.filter((c) => c.method === method && c.at >= t0);
      assert.ok(failed && retried, `${method} was retried`);
      return retried.at - failed.at;
    };
    assert.ok(gap('getUpdates') >= 950, `getUpdates retried after ${gap('getUpdates')} ms`);
    assert.ok(gap('sendMessage') >= 950, `sendMessage retried after ${gap('sendMessage')} ms`);
    assert.equal(finals(h.tg, 42, 'rate limited').length, 1);
  });

  test('updates that arrive while the gateway is down are answered exactly once; earlier ones are not answered again', async () => {
    h.tg.injectText(ada, 'before the stop');
    await answered(h.tg, 42, 'before the stop');
    const lastId = h.tg.injectText(ada, 'still before');
    await answered(h.tg, 42, 'still before');
    const stopped = await gw.stop();
    assert.equal(stopped.code, 0, 'a clean stop');

    h.tg.injectText(ada, 'while down 1');
    h.tg.injectText(ada, 'while down 2');
    const restartAt = Date.now();
    const callsBefore = h.model.callCount();
    gw = await h.start();
    await Promise.all([answered(h.tg, 42, 'while down 1'), answered(h.tg, 42, 'while down 2')]);
    // The poller resumed from the stored offset, not from Telegram's memory.
    const firstPoll = h.tg.calls.find((c) => c.method === 'getUpdates' && c.at >= restartAt);
    assert.equal(Number(firstPoll?.body.offset), lastId + 1);
    // Let a few more polls pass: nothing else may be answered.
    const polled = h.tg.getUpdatesCompleted();
    await h.tg.waitFor(() => h.tg.getUpdatesCompleted() > polled);
    for (const text of ['before the stop', 'still before', 'while down 1', 'while down 2']) {
      assert.equal(finals(h.tg, 42, text).length, 1, `"${text}" answered once`);
    }
    assert.equal(h.model.callCount(), callsBefore + 2);
  });

  test('SIGKILL while a turn is being answered: it is answered once after the restart, and nothing twice', async () => {
    const calls = h.model.callCount();
    h.model.hangNext(1);
    h.tg.injectText(ada, 'cut off mid-answer');
    await eventually(async () => h.model.callCount() > calls, 'the model call');
    await gw.kill();
    h.tg.injectText(ada, 'sent during the crash');

    gw = await h.start();
    await Promise.all([answered(h.tg, 42, 'cut off mid-answer'), answered(h.tg, 42, 'sent during the crash')]);
    const polled = h.tg.getUpdatesCompleted();
    await h.tg.waitFor(() => h.tg.getUpdatesCompleted() > polled);
    for (const text of ['cut off mid-answer', 'sent during the crash', 'before the stop', 'while down 1']) {
      assert.equal(finals(h.tg, 42, text).length, 1, `"${text}" answered once`);
    }
    // The hung call, its retry after the restart, and the new message.
    assert.equal(h.model.callCount(), calls + 3);
  });
});

describe('webhook mode', () => {
  let h: Harness;
  let gw: RunningGateway;
  const SECRET = 'hook-s3cret_value';
  before(async () => {
    h = await harness();
    gw = await h.start(['allowed_users = ["42"]', 'mode = "webhook"', `webhook_secret = "${SECRET}"`]);
    await eventually(async () => (await channelStatus(gw)).state === 'up', 'telegram up');
  });
  after(async () => h?.close());

  const update = (id: number, text: string): Record<string, unknown> => ({
    update_id: id,
    message: { message_id: id, date: Math.floor(Date.now() / 1000), text, from: { id: 42, is_bot: false, first_name: 'Ada' }, chat: { id: 42, type: 'private', first_name: 'Ada' } },
  });
  const post = (body: unknown, secret?: string): Promise<Response> => fetch(`${gw.url}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });

  test('`clanker telegram set-webhook` registers the URL with the secret', async () => {
    const url = `${gw.url}/telegram/webhook`;
    const res = await runCli(['telegram', 'set-webhook', url, '--config', join(gw.dir, 'clanker.toml')]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(h.tg.webhook, { url, secret_token: SECRET });
  });

  test('a wrong or missing secret is 401; the right one is stored before 200 and answered once', async () => {
    for (const secret of [undefined, 'wrong', `${SECRET}x`]) {
      const res = await post(update(500, 'sneaky'), secret);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error?: { code?: string } }).error?.code, 'unauthorized');
    }
    const res = await post(update(501, 'via webhook'), SECRET);
    assert.equal(res.status, 200);
    // Stored before the 200: the history already holds it.
    const history = await (await fetch(`${gw.url}/api/sessions/telegram:42/messages`)).json() as { messages: Array<{ text: string }> };
    assert.ok(history.messages.some((m) => m.text === 'via webhook'));
    assert.ok(!history.messages.some((m) => m.text === 'sneaky'));
    await answered(h.tg, 42, 'via webhook');
    // Telegram redelivers when unsure: the duplicate is acknowledged but not answered again.
    assert.equal((await post(update(501, 'via webhook'), SECRET)).status, 200);
    const bad = await post({ nope: true }, SECRET);
    assert.equal(bad.status, 400);
    assert.equal(finals(h.tg, 42, 'via webhook').length, 1);
    assert.equal(h.tg.calls.filter((c) => c.method === 'getUpdates').length, 0, 'no polling in webhook mode');
    assert.equal((await channelStatus(gw)).mode, 'webhook');
  });
});

describe('watchdog', () => {
  let h: Harness;
  let gw: RunningGateway;
  before(async () => {
    h = await harness();
    gw = await h.start();
    await polling(gw);
  });
  after(async () => h?.close());

  test('getUpdates hangs while sending still works: polling is restarted and a later message is answered', async () => {
    h.tg.hangGetUpdates(true);
    // Outbound keeps working during the hang; it must not count as a sign of life.
    const send = await fetch(`${gw.url}/api/message`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'telegram', to: '42', text: 'outbound *still* works' }),
    });
    assert.equal(send.status, 200);
    assert.ok(h.tg.sent.some((s) => s.text === 'outbound <i>still</i> works'));
    const restarted = await eventually(async () => {
      const ch = await channelStatus(gw);
      return Number(ch.restarts) >= 1 ? ch : undefined;
    }, 'a watchdog restart', 8000);
    assert.equal(restarted.mode, 'polling');
    assert.match(String(restarted.polling), /restarting|stalled/);
    assert.equal(restarted.state, 'degraded');

    h.tg.injectText(ada, 'after the hang');
    h.tg.hangGetUpdates(false);
    await answered(h.tg, 42, 'after the hang');
    const ok = await polling(gw);
    assert.equal(typeof ok.last_poll_at, 'string');
  });
});
