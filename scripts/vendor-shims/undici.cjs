// discord.js imports npm undici (~0.9 MB of source) for fetch, Headers and FormData, and @discordjs/rest for its
// default request function. Node's own fetch is undici too: the Discord client passes it as `rest.makeRequest`
// (src/channels/discord/connection.ts), so the bundle maps these names to Node's globals.
exports.fetch = fetch;
exports.Headers = Headers;
exports.FormData = FormData;
exports.request = () => {
  throw new Error('npm undici is not bundled: give the REST client makeRequest: restRequest (src/channels/discord/connection.ts)');
};
