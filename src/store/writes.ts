// Applies store operations in one LMDB transaction; only the persistence actor calls this.
import type { StoreDbs } from './lmdb.js';
import type { StoreOp, StoreOpResult } from '../actors/messages.js';
import { MAX_SEQ, type SessionRecord, type Usage, sessionChannel, utcDay } from './records.js';

function addUsage(dbs: StoreDbs, key: string[], usage: Usage): void {
  const prev = dbs.usage.get(key) ?? { input: 0, output: 0 };
  dbs.usage.put(key, { input: prev.input + usage.input, output: prev.output + usage.output });
}

function touchSession(dbs: StoreDbs, id: string, ts: number): SessionRecord {
  return dbs.sessions.get(id) ?? { id, channel: sessionChannel(id), createdAt: ts, updatedAt: ts, nextSeq: 0, turns: 0, usage: { input: 0, output: 0 } };
}

function removeSession(dbs: StoreDbs, session: string): number {
  let removed = 0;
  for (const key of dbs.messages.getKeys({ start: [session, 0], end: [session, MAX_SEQ] })) {
    dbs.messages.remove(key);
    removed++;
  }
  return removed;
}

function hasPending(dbs: StoreDbs, session: string): boolean {
  return dbs.pending.getKeysCount({ start: [session, 0], end: [session, MAX_SEQ], limit: 1 }) > 0;
}

/** Removes an idle session's turns, the dedupe keys of its messages and its usage records; the record stays. */
function clearIdleSession(dbs: StoreDbs, s: SessionRecord): number {
  // One read of the turns (they name their dedupe keys), then the writes: no changes under an open cursor.
  const turns = [...dbs.messages.getRange({ start: [s.id, 0], end: [s.id, MAX_SEQ] })];
  for (const { key, value: turn } of turns) {
    dbs.messages.remove(key);
    if (turn.role !== 'user' || turn.externalId === undefined) continue;
    const dedupeKey = `${turn.channel}:${turn.externalId}`;
    if (dbs.inbound.get(dedupeKey)?.[0] === s.id) dbs.inbound.remove(dedupeKey);
  }
  const usageKeys = [...dbs.usage.getKeys({ start: ['session', s.id], end: ['session', s.id, '\uffff'] })];
  for (const key of usageKeys) dbs.usage.remove(key);
  // The sequence keeps counting, so seqs are never reused (the workers' turn caches rely on it).
  dbs.sessions.put(s.id, { ...s, turns: 0 });
  return turns.length;
}

function expireSessions(dbs: StoreDbs, before: number, scan: number, after?: string): { sessions: number; turns: number; next?: string } {
  // Read first, then write: no changes under an open cursor.
  const examined = [...dbs.sessions.getRange({ ...(after === undefined ? {} : { start: after }), limit: scan + 1 })]
    .map((e) => e.value).filter((s) => s.id !== after).slice(0, scan);
  const idle = examined.filter((s) => s.turns > 0 && s.updatedAt < before && !hasPending(dbs, s.id));
  const turns = idle.reduce((n, s) => n + clearIdleSession(dbs, s), 0);
  const next = examined.length === scan ? examined.at(-1)?.id : undefined;
  return { sessions: idle.length, turns, ...(next === undefined ? {} : { next }) };
}

function applyOne(dbs: StoreDbs, op: StoreOp): StoreOpResult {
  switch (op.op) {
    case 'user': {
      const m = op.message;
      const dedupeKey = `${m.channel}:${m.externalId}`;
      const seen = dbs.inbound.get(dedupeKey);
      if (m.offset) dbs.offsets.put(m.offset.key, m.offset.value);
      if (seen) return { seq: seen[1], duplicate: true };
      const s = touchSession(dbs, m.session, op.ts);
      const seq = s.nextSeq;
      dbs.messages.put([m.session, seq], { seq, role: 'user', text: m.text, ts: op.ts, channel: m.channel, sender: m.sender, externalId: m.externalId });
      dbs.pending.put([m.session, seq], { session: m.session, seq, channel: m.channel, to: m.to, ts: op.ts, ...(m.replyTo ? { replyTo: m.replyTo } : {}) });
      dbs.inbound.put(dedupeKey, [m.session, seq]);
      dbs.sessions.put(m.session, { ...s, nextSeq: seq + 1, turns: s.turns + 1, updatedAt: op.ts });
      return { seq, duplicate: false };
    }
    case 'answer': {
      // A retried write (the store actor died before acknowledging it) must not store the answer twice.
      const stored = dbs.pending.get([op.session, op.replyTo])?.answerSeq;
      if (stored !== undefined) return { seq: stored };
      const s = touchSession(dbs, op.session, op.ts);
      const seq = s.nextSeq;
      dbs.messages.put([op.session, seq], {
        seq, role: 'assistant', text: op.text, ts: op.ts, channel: s.channel, replyTo: op.replyTo,
        usage: op.usage, provider: op.provider, model: op.model,
      });
      const pending = dbs.pending.get([op.session, op.replyTo]);
      if (pending) dbs.pending.put([op.session, op.replyTo], { ...pending, answerSeq: seq });
      const usage = { input: s.usage.input + op.usage.input, output: s.usage.output + op.usage.output };
      dbs.sessions.put(op.session, { ...s, nextSeq: seq + 1, turns: s.turns + 1, updatedAt: op.ts, usage });
      const day = utcDay(op.ts);
      addUsage(dbs, ['total'], op.usage);
      addUsage(dbs, ['day', day], op.usage);
      addUsage(dbs, ['session', op.session, day], op.usage);
      return { seq };
    }
    case 'delivered':
      dbs.pending.remove([op.session, op.seq]);
      return null;
    case 'reset': {
      removeSession(dbs, op.session);
      for (const key of dbs.pending.getKeys({ start: [op.session, 0], end: [op.session, MAX_SEQ] })) dbs.pending.remove(key);
      const s = dbs.sessions.get(op.session);
      // The sequence keeps counting so that late answers to old turns cannot land in the new conversation.
      if (s) dbs.sessions.put(op.session, { ...s, turns: 0, updatedAt: Date.now() });
      return null;
    }
    case 'expire':
      return expireSessions(dbs, op.before, op.scan, op.after);
    case 'offset':
      dbs.offsets.put(op.key, op.value);
      return null;
    case 'pairing.create':
      dbs.pairing.put([op.channel, op.code], {
        channel: op.channel, code: op.code, userId: op.userId, expiresAt: op.expiresAt,
        ...(op.username ? { username: op.username } : {}), ...(op.to ? { to: op.to } : {}),
      });
      return null;
    case 'pairing.approve': {
      const rec = dbs.pairing.get([op.channel, op.code]);
      if (!rec || rec.expiresAt < op.now) return null;
      dbs.pairing.remove([op.channel, op.code]);
      dbs.allow.put([op.channel, rec.userId], { channel: op.channel, userId: rec.userId, addedAt: op.now, via: 'pairing' });
      return { userId: rec.userId, ...(rec.username ? { username: rec.username } : {}), ...(rec.to ? { to: rec.to } : {}) };
    }
    case 'allow.add':
      dbs.allow.put([op.channel, op.userId], { channel: op.channel, userId: op.userId, addedAt: op.ts, via: op.via });
      return null;
  }
}

/** All ops commit together or not at all; resolves once the transaction is on disk. */
export function applyOps(dbs: StoreDbs, ops: readonly StoreOp[]): Promise<StoreOpResult[]> {
  return dbs.root.transaction(() => ops.map((op) => applyOne(dbs, op)));
}
