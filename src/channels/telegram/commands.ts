// The bot's slash commands: the list registered with setMyCommands, parsing, and the texts they answer with.
import type { SessionInfo } from '../../actors/messages.js';

export type CommandName = 'start' | 'help' | 'new' | 'status';

/** Registered with setMyCommands so Telegram clients offer them. */
export const COMMANDS: ReadonlyArray<{ command: CommandName; description: string }> = [
  { command: 'start', description: 'Say hello' },
  { command: 'help', description: 'What I can do' },
  { command: 'new', description: 'Start a fresh conversation' },
  { command: 'status', description: 'Model and tokens used in this chat' },
];

const KNOWN = new Set<string>(COMMANDS.map((c) => c.command));

export type ParsedCommand = { kind: 'command'; name: CommandName } | { kind: 'other-bot' } | { kind: 'none' };

/** A leading `/command` or `/command@bot`: ours, addressed to another bot, or not a known command. */
export function parseCommand(text: string, botUsername: string): ParsedCommand {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s|$)/.exec(text);
  if (!m) return { kind: 'none' };
  if (m[2] !== undefined && m[2].toLowerCase() !== botUsername.toLowerCase()) return { kind: 'other-bot' };
  const name = (m[1] ?? '').toLowerCase();
  return KNOWN.has(name) ? { kind: 'command', name: name as CommandName } : { kind: 'none' };
}

export const HELP_TEXT = [
  'Send me a message and I will answer. I remember our conversation in this chat.',
  '',
  ...COMMANDS.map((c) => `/${c.command} – ${c.description}`),
].join('\n');

export const START_TEXT = `Hi! I'm your assistant.\n\n${HELP_TEXT}`;
export const NEW_TEXT = "Started a fresh conversation: I've forgotten what we talked about before.";
export const TEXT_ONLY = 'I understand text only for now. Please send your message as text (a caption works too).';

export function statusText(info: SessionInfo): string {
  const total = info.usage.input + info.usage.output;
  const today = info.usageToday.input + info.usageToday.output;
  return [
    `Model: ${info.model} (${info.provider})`,
    `This chat: ${info.turns} messages in the conversation`,
    `Tokens used here: ${total} in total (${info.usage.input} in, ${info.usage.output} out), ${today} today`,
  ].join('\n');
}
