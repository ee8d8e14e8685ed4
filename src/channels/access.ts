// Who may talk to the assistant in a channel: dm_policy decisions, allow-list matching and pairing codes (shared by all channels).
import { randomInt } from 'node:crypto';

export type DmPolicy = 'pairing' | 'allowlist' | 'open';
export type AccessDecision = 'allow' | 'pair' | 'refuse';

/** Without look-alikes: no 0/O, 1/I/L. */
export const PAIRING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_TTL_MS = 60 * 60 * 1000;
/** Pending codes per channel; more strangers wait until one is approved or expires. */
export const MAX_PENDING_PAIRINGS = 3;

/** `allow` for open channels and known users; strangers pair under "pairing" and are refused under "allowlist". */
export function decideAccess(policy: DmPolicy, who: { allowedByConfig: boolean; allowedByStore: boolean }): AccessDecision {
  if (policy === 'open' || who.allowedByConfig || who.allowedByStore) return 'allow';
  return policy === 'pairing' ? 'pair' : 'refuse';
}

/** Whether a configured allow list names the user, by id or by @username (case-insensitive). */
export function isListed(allowed: readonly string[], user: { id: string; username?: string }): boolean {
  const name = user.username?.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.trim();
    if (e.startsWith('@')) return name !== undefined && e.slice(1).toLowerCase() === name;
    return e === user.id;
  });
}

/** `rand(max)` returns an integer in [0, max); defaults to the crypto RNG. */
export function newPairingCode(rand: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[rand(PAIRING_ALPHABET.length)] ?? 'X';
  return code;
}

/** The reply a stranger gets with their code. */
export function pairingReply(channel: string, code: string): string {
  return [
    "Hi! I don't know you yet, so I can't answer.",
    `To get access, send this pairing code to my owner: ${code}`,
    `They approve it with: clanker pairing approve ${channel} ${code}`,
    'The code is valid for 1 hour.',
  ].join('\n');
}

export const PAIRING_FULL_REPLY = 'Sorry, too many people are waiting for access right now. Please try again in an hour.';
export const APPROVED_REPLY = "You're approved: go ahead, I'll answer your messages from now on.";
export const REFUSAL_REPLY = "Sorry, this is a private assistant and you're not on its list. I won't answer further messages.";

export interface PendingPairing { code: string; userId: string; expiresAt: number }

export type PairingPlan =
  | { kind: 'reuse'; code: string }
  | { kind: 'create'; code: string; expiresAt: number }
  | { kind: 'full' };

/** What to do for a stranger: repeat their unexpired code, issue a fresh one, or say the queue is full. */
export function planPairing(pending: readonly PendingPairing[], userId: string, now: number, rand?: (max: number) => number): PairingPlan {
  const live = pending.filter((p) => p.expiresAt >= now);
  const own = live.find((p) => p.userId === userId);
  if (own) return { kind: 'reuse', code: own.code };
  if (live.length >= MAX_PENDING_PAIRINGS) return { kind: 'full' };
  const taken = new Set(live.map((p) => p.code));
  let code = newPairingCode(rand);
  for (let tries = 0; taken.has(code) && tries < 10; tries++) code = newPairingCode(rand);
  return { kind: 'create', code, expiresAt: now + PAIRING_TTL_MS };
}
