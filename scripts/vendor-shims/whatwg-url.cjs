// node-fetch (grammy's fetch on Node) uses `require('url').URL || whatwgUrl.URL`: Node's own URL always wins, so
// whatwg-url and tr46's Unicode tables (~3 MB of heap in the Telegram actor's thread) would load for nothing.
exports.URL = URL;
