// The one entry point to grammy: the build bundles this file into a single module. grammy's files and its
// fetch polyfill (node-fetch, whatwg-url and tr46's Unicode tables) loaded one by one cost the Telegram
// actor's thread ~10 MB more memory than the bundle (bench/RESULTS.md).
export { Api, Bot, GrammyError, HttpError, type Transformer } from 'grammy';
