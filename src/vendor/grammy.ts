// The one entry point to grammy: the build bundles this file into a single module. grammy's files and its
// fetch polyfill (node-fetch, whatwg-url and tr46's Unicode tables) imported one by one in a bare process took
// 130-150 ms and 20 MB, bundled ~105 ms and 11 MB (bench/RESULTS.md). Leaving whatwg-url out
// (scripts/vendor-shims/whatwg-url.cjs), side by side: 61-67 → 35 ms, 7.1 → 4.3-4.8 MB.
export { Api, Bot, GrammyError, HttpError, type Transformer } from 'grammy';
