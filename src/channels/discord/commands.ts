// The /new slash command: registered with Discord at start (guild-scoped when guild_id is set) and answered here.
import { MessageFlags, type Client, type Interaction } from '../../vendor/discord.js';
import type { Logger } from '../../log/logger.js';
import type { Mailbox } from '../../actors/mailbox.js';
import type { StoreReader } from '../../store/store.js';
import { NEW_CONVERSATION_TEXT, allowedByStore, sessionFor } from './inbound.js';
import { mayUseCommand, type AccessRules } from './route.js';

export const SLASH_COMMANDS = [{ name: 'new', description: 'Start a new conversation in this channel (forget what was said before)' }];
const NOT_ALLOWED_TEXT = 'You are not allowed to use this bot here.';

/**
 * Bulk-overwrites the bot's commands: in one server (shows at once) when guild_id is set, else globally
 * (Discord may take a while to show them). A failure only costs the slash form; the text `/new` still works.
 */
export async function registerCommands(client: Client<true>, guildId: string, logger: Logger): Promise<void> {
  try {
    if (guildId === '') await client.application.commands.set(SLASH_COMMANDS);
    else await client.application.commands.set(SLASH_COMMANDS, guildId);
    logger.info({ scope: guildId === '' ? 'global' : 'guild' }, 'discord slash commands registered');
  } catch (err) {
    logger.warn({ err }, 'could not register discord slash commands (is the applications.commands scope granted?); the text command /new still works');
  }
}

export interface CommandDeps { mailbox: Mailbox; logger: Logger; rules: AccessRules; reader: StoreReader }

export async function handleInteraction(interaction: Interaction, deps: CommandDeps): Promise<void> {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'new' || interaction.channelId === null) return;
  if (!mayUseCommand(interaction.user.id, interaction.guildId, deps.rules, allowedByStore(deps.reader))) {
    await interaction.reply({ content: NOT_ALLOWED_TEXT, flags: MessageFlags.Ephemeral });
    return;
  }
  await deps.mailbox.request('session.reset', { session: sessionFor(interaction.channelId) });
  await interaction.reply({ content: NEW_CONVERSATION_TEXT });
}
