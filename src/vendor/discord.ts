// The one entry point to discord.js: the build bundles this file into a single module. discord.js, undici and
// their helpers are ~400 CommonJS files: imported one by one in a bare process they took 490-750 ms and 44 MB,
// bundled 250-380 ms and 26 MB (bench/RESULTS.md). Leaving npm undici out (scripts/vendor-shims/undici.cjs), side
// by side: 252-272 → 220-246 ms, 22.2 → 20.5 MB. Sharded workers (which load a file by path) are not used.
export {
  ChannelType, Client, DiscordAPIError, DiscordjsErrorCodes, Events, GatewayIntentBits, MessageFlags, Options, Partials,
  type ClientOptions, type Interaction, type Message, type MessageMentionOptions, type SendableChannels,
} from 'discord.js';
