// Load process hosting the Telegram and Discord fakes; injects Telegram updates and times update → sendMessage.
import { startFakeTelegram, type FakeTelegram, type SentMessage } from '../../test/fakes/telegram.js';
import { startFakeDiscord, type FakeDiscord } from '../../test/fakes/discord.js';
import { Histogram } from '../lib/stats.js';
import { probeText, readProbe, sleep, wallMs } from '../lib/clock.js';
import { serveCommands, type IpcMessage } from '../lib/procs.js';

let telegram: FakeTelegram | undefined;
let discord: FakeDiscord | undefined;
let hist = new Histogram();
/** Probe numbers injected and not yet seen in a message the bot sent. */
const waiting = new Set<number>();
let answered = 0;
let nextN = 0;
let wake: (() => void) | undefined;

/** Called for every message the bot sends or edits, at the moment the fake records it. */
function onSent(msg: SentMessage): void {
  const probe = readProbe(msg.text);
  if (!probe || !waiting.delete(probe.n)) return;
  hist.record(wallMs() - probe.t0);
  answered++;
  wake?.();
}

function users(msg: IpcMessage): number[] {
  return msg.users as number[];
}

function inject(user: number): void {
  const n = nextN++;
  waiting.add(n);
  (telegram as FakeTelegram).injectText({ id: user, first_name: `User ${user}`, username: `bench_${user}` }, probeText(n));
}

function reset(): void {
  hist = new Histogram();
  answered = 0;
  waiting.clear();
}

async function settle(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (waiting.size > 0 && performance.now() < until) await sleep(5);
}

function result(started: number, injected: number): IpcMessage {
  const seconds = (performance.now() - started) / 1000;
  return { type: 'result', hist: hist.toJSON(), injected, answered, unanswered: waiting.size, seconds, perSec: answered / seconds };
}

serveCommands({
  telegram: async () => {
    telegram = await startFakeTelegram();
    const sent = telegram.sent;
    const push = sent.push.bind(sent);
    sent.push = (...items: SentMessage[]): number => {
      for (const item of items) onSent(item);
      return push(...items);
    };
    return { type: 'telegram', apiRoot: telegram.apiRoot, token: telegram.token };
  },
  discord: async () => {
    discord = await startFakeDiscord();
    return { type: 'discord', api: discord.api, token: discord.token, guildId: discord.guildId, connections: discord.connections() };
  },
  discordConnections: () => ({ type: 'discordConnections', connections: discord?.connections() ?? 0, identifies: discord?.identifies() ?? 0 }),
  /** Server chatter the bot only reads: `count` guild messages, round-robin from `authors` users it does not answer. */
  discordChatter: async (msg: IpcMessage) => {
    const fake = discord as FakeDiscord;
    const count = Number(msg.count);
    const authors = Number(msg.authors);
    for (let i = 0; i < count; i++) {
      const a = i % authors;
      fake.injectMessage({ author: { id: String(1_500_000_000_000_000_000n + BigInt(a)), username: `member${a}` }, content: `chatter ${i} `.repeat(8) });
      if (i % 100 === 99) await sleep(5);
    }
    return { type: 'discordChatter', injected: count };
  },
  /** One update per user, waiting for every answer: opens the chats before measuring. */
  greet: async (msg: IpcMessage) => {
    reset();
    const started = performance.now();
    for (const u of users(msg)) inject(u);
    await settle(Number(msg.timeoutMs ?? 20_000));
    return result(started, users(msg).length);
  },
  /** Open loop: `rate` updates per second, round-robin over the users. */
  paced: async (msg: IpcMessage) => {
    reset();
    const rate = Number(msg.rate);
    const count = Math.round((rate * Number(msg.durationMs)) / 1000);
    const list = users(msg);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0.5) await sleep(wait);
      inject(list[i % list.length] as number);
    }
    await settle(15_000);
    return result(started, count);
  },
  /** Closed loop: keeps `concurrency` updates unanswered until the time is up. */
  closed: async (msg: IpcMessage) => {
    reset();
    const concurrency = Number(msg.concurrency);
    const list = users(msg);
    const deadline = performance.now() + Number(msg.durationMs);
    const started = performance.now();
    let injected = 0;
    while (performance.now() < deadline) {
      if (waiting.size < concurrency) {
        inject(list[injected++ % list.length] as number);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
      });
    }
    const seconds = (performance.now() - started) / 1000;
    await settle(15_000);
    return { ...result(started, injected), seconds, perSec: answered / seconds };
  },
}, async () => {
  await telegram?.close();
  await discord?.close();
});
