// Decides what to do with one incoming Discord message: ignore it, ask for pairing, reset the session, or answer it.
import { decideAccess, type DmPolicy } from '../access.js';

/** The facts about a message the decision needs, taken from discord.js's Message. */
export interface IncomingFacts {
  authorId: string;
  authorIsBot: boolean;
  botId: string;
  /** null in a DM. */
  guildId: string | null;
  /** The bot's user id is among the message's user mentions (a reply with ping counts). */
  mentionsBot: boolean;
  content: string;
}

export interface AccessRules {
  guild_id: string;
  allowed_users: readonly string[];
  dm_policy: DmPolicy;
  require_mention: boolean;
}

export type IgnoreReason = 'own' | 'bot' | 'other_guild' | 'no_mention' | 'not_allowed' | 'empty';

export type Route =
  | { action: 'ignore'; reason: IgnoreReason }
  | { action: 'pair' }
  /** A stranger in a DM under the allowlist policy: told once, then ignored. */
  | { action: 'refuse' }
  | { action: 'reset' }
  | { action: 'message'; text: string };

/** Removes every `<@id>` / `<@!id>` mention of the bot and trims the rest. */
export function stripBotMention(content: string, botId: string): string {
  return content.split(`<@${botId}>`).join('').split(`<@!${botId}>`).join('').replace(/[ \t]{2,}/g, ' ').trim();
}

/** `/new` (any case), alone on its line: the text form of the slash command. */
export function isResetCommand(text: string): boolean {
  return /^\/new$/i.test(text.trim());
}

/**
 * Server channels: only the configured server, only when mentioned (unless require_mention is off), and only
 * listed or paired users when allowed_users is not empty. DMs: dm_policy decides.
 */
export function routeMessage(m: IncomingFacts, rules: AccessRules, allowedByStore: (userId: string) => boolean): Route {
  if (m.authorId === m.botId) return { action: 'ignore', reason: 'own' };
  if (m.authorIsBot) return { action: 'ignore', reason: 'bot' };
  const allowedByConfig = rules.allowed_users.includes(m.authorId);
  if (m.guildId !== null) {
    if (rules.guild_id !== '' && m.guildId !== rules.guild_id) return { action: 'ignore', reason: 'other_guild' };
    if (rules.require_mention && !m.mentionsBot) return { action: 'ignore', reason: 'no_mention' };
    if (rules.allowed_users.length > 0 && !allowedByConfig && !allowedByStore(m.authorId)) return { action: 'ignore', reason: 'not_allowed' };
  } else {
    const decision = decideAccess(rules.dm_policy, { allowedByConfig, allowedByStore: allowedByStore(m.authorId) });
    if (decision === 'refuse') return { action: 'refuse' };
    if (decision === 'pair') return { action: 'pair' };
  }
  const text = stripBotMention(m.content, m.botId);
  if (text === '') return { action: 'ignore', reason: 'empty' };
  return isResetCommand(text) ? { action: 'reset' } : { action: 'message', text };
}

/** Who may use the /new slash command: the same rules as messages, minus mentions (a slash command is addressed to the bot). */
export function mayUseCommand(userId: string, guildId: string | null, rules: AccessRules, allowedByStore: (userId: string) => boolean): boolean {
  const route = routeMessage({ authorId: userId, authorIsBot: false, botId: '', guildId, mentionsBot: true, content: '/new' }, rules, allowedByStore);
  return route.action === 'reset';
}
