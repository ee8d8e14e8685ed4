// Binds the daily budget check to the configured limits and the stored usage, for the router.
import type { Config } from '../config/schema.js';
import type { StoreReader } from '../store/store.js';
import type { BudgetCheck } from '../actors/router.js';
import { checkBudget, remainingBudget, type RemainingBudget } from './budget.js';

export function budgetLimits(config: Config): { tokensPerDay: number; tokensPerSessionPerDay: number } {
  return { tokensPerDay: config.agent.budget.tokens_per_day, tokensPerSessionPerDay: config.agent.budget.tokens_per_session_per_day };
}

export function budgetGuard(config: Config, read: StoreReader): BudgetCheck {
  const limits = budgetLimits(config);
  if (limits.tokensPerDay === 0 && limits.tokensPerSessionPerDay === 0) return () => ({ ok: true });
  return (session) => checkBudget(limits, read.usageDay(), read.usageSessionDay(session));
}

/** The gateway's remaining daily budget, for /api/status. */
export function gatewayBudget(config: Config, read: StoreReader): RemainingBudget {
  return remainingBudget(config.agent.budget.tokens_per_day, read.usageDay());
}
