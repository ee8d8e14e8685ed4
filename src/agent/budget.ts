// Pure daily spend limits: whether a new model call may start, and what is left (for /api/status).
import type { Usage } from '../store/records.js';

export interface BudgetLimits {
  /** Tokens (in + out) the whole gateway may use per UTC day; 0 = unlimited. */
  tokensPerDay: number;
  /** Tokens one session may use per UTC day; 0 = unlimited. */
  tokensPerSessionPerDay: number;
}

export type BudgetCheck = { ok: true } | { ok: false; reply: string; scope: 'gateway' | 'session' };

export const GATEWAY_LIMIT_REPLY = 'Daily limit reached: this assistant has used its token budget for today. It resets at 00:00 UTC — please try again then.';
export const SESSION_LIMIT_REPLY = "Daily limit reached: this conversation has used today's token budget. It resets at 00:00 UTC — please try again then.";

const total = (u: Usage): number => u.input + u.output;

/** Checked before a model call: a limit already reached means no call is made. The gateway limit is checked first. */
export function checkBudget(limits: BudgetLimits, usedToday: Usage, usedSessionToday: Usage): BudgetCheck {
  if (limits.tokensPerDay > 0 && total(usedToday) >= limits.tokensPerDay) return { ok: false, reply: GATEWAY_LIMIT_REPLY, scope: 'gateway' };
  if (limits.tokensPerSessionPerDay > 0 && total(usedSessionToday) >= limits.tokensPerSessionPerDay) {
    return { ok: false, reply: SESSION_LIMIT_REPLY, scope: 'session' };
  }
  return { ok: true };
}

export interface RemainingBudget {
  used: number;
  /** null = unlimited */
  limit: number | null;
  remaining: number | null;
  /** ISO time of the next UTC midnight, when daily usage starts again from zero. */
  resets_at: string;
}

/** What is left of one daily limit (the gateway's, or a session's). */
export function remainingBudget(limit: number, used: Usage, now = Date.now()): RemainingBudget {
  const day = new Date(now);
  const resetsAt = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1)).toISOString();
  const spent = total(used);
  if (limit <= 0) return { used: spent, limit: null, remaining: null, resets_at: resetsAt };
  return { used: spent, limit, remaining: Math.max(0, limit - spent), resets_at: resetsAt };
}
