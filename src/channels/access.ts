// Who may talk to a channel bot in private chats: the dm_policy decision and pairing codes, shared by every channel.
import { randomInt } from 'node:crypto';

export type DmPolicy = 'pairing' | 'allowlist' | 'open';
export type AccessDecision = 'allow' | 'pair' | 'refuse';

/** A pairing code is valid for one hour. */
export const PAIRING_TTL_MS = 60 * 60 * 1000;
/** Unexpired codes one channel may have at once; more strangers are refused until one is approved or expires. */
export const MAX_PENDING_PAIRINGS = 3;

/** No look-alikes (0/O, 1/I/L): codes get read off screenshots and typed by hand. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

/**
 * `open` lets everyone in; `allowlist` only users in the config or the store's allow list; `pairing` also
 * lets strangers ask for a code the owner approves.
 */
export function decideAccess(policy: DmPolicy, who: { allowedByConfig: boolean; allowedByStore: boolean }): AccessDecision {
  if (policy === 'open' || who.allowedByConfig || who.allowedByStore) return 'allow';
  return policy === 'pairing' ? 'pair' : 'refuse';
}

/** A fresh 8-character code; `rand(max)` returns an integer in [0, max) (crypto-random by default). */
export function newPairingCode(rand: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[rand(CODE_ALPHABET.length)] ?? '';
  return code;
}

/** What a stranger is told: plain text, so it reads the same on every channel. */
export function pairingReply(channel: string, code: string): string {
  return `I only talk to people my owner has approved. Your pairing code is ${code} (valid for 1 hour). `
    + `Ask the owner to run: clanker pairing approve ${channel} ${code}`;
}
