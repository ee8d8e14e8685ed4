// The one entry point to discord.js: the build bundles this file into a single module. discord.js, undici and
// their helpers are ~400 CommonJS files: loaded one by one they cost the Discord actor's thread ~14 MB more
// memory and ~150 ms more start-up than the bundle (bench/RESULTS.md). Sharded workers (which load a file by
// path) are not used.
export {
  ChannelType, Client, DiscordAPIError, DiscordjsErrorCodes, Events, GatewayIntentBits, MessageFlags, Partials,
  type ClientOptions, type Interaction, type Message, type MessageMentionOptions, type SendableChannels,
} from 'discord.js';
