// scripts/prune-runtime.mjs keeps exactly the native binaries the image's platform can load (both image arches).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Target { platform: string; arch: string; abi: string; libc: string }
type Describe = (path: string) => unknown;
type Mismatch = (addon: unknown, target: Target) => string;
type DevOnly = (name: string) => boolean;

const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../../scripts/prune-runtime.mjs');

/** The script is plain JS (it runs before any compile step); take its functions with a shape check. */
async function loadScript(): Promise<{ describeAddon: Describe; addonMismatch: Mismatch; isDevOnlyFile: DevOnly }> {
  const mod: unknown = await import(pathToFileURL(SCRIPT).href);
  const m = mod as Record<string, unknown>;
  for (const name of ['describeAddon', 'addonMismatch', 'isDevOnlyFile']) {
    assert.equal(typeof m[name], 'function', `${name} is exported`);
  }
  return m as unknown as { describeAddon: Describe; addonMismatch: Mismatch; isDevOnlyFile: DevOnly };
}

const node24 = (arch: string): Target => ({ platform: 'linux', arch, abi: '137', libc: 'glibc' });

// [path under node_modules, kept on linux/x64 Node 24, kept on linux/arm64 Node 24]
const ADDONS: [string, boolean, boolean][] = [
  ['@btc-vision/uwebsockets.js/uws_linux_x64_137.node', true, false],
  ['@btc-vision/uwebsockets.js/uws_linux_arm64_137.node', false, true],
  ['@btc-vision/uwebsockets.js/uws_linux_x64_127.node', false, false],
  ['@btc-vision/uwebsockets.js/uws_darwin_arm64_137.node', false, false],
  ['@btc-vision/uwebsockets.js/uws_win32_x64_137.node', false, false],
  ['@trufflesuite/uws-js-unofficial/binaries/uws_linux_x64_115.node', false, false],
  ['@trufflesuite/uws-js-unofficial/binaries/uws_linux_arm64_108.node', false, false],
  ['@trufflesuite/uws-js-unofficial/dist/uws_linux_x64_93.node', false, false],
  ['@lmdb/lmdb-linux-x64/node.napi.glibc.node', true, false],
  ['@lmdb/lmdb-linux-x64/node.napi.musl.node', false, false],
  ['@lmdb/lmdb-linux-x64/node.abi115.glibc.node', false, false],
  ['@lmdb/lmdb-linux-arm64/node.napi.glibc.node', false, true],
  ['@lmdb/lmdb-darwin-arm64/node.napi.node', false, false],
  ['@msgpackr-extract/msgpackr-extract-linux-arm64/node.napi.glibc.node', false, true],
  ['@napi-rs/nice-linux-x64-gnu/nice.linux-x64-gnu.node', true, false],
  ['@napi-rs/nice-linux-arm64-musl/nice.linux-arm64-musl.node', false, false],
  ['bufferutil/prebuilds/linux-x64/node.napi.node', true, false],
  ['bufferutil/prebuilds/darwin-x64+arm64/node.napi.node', false, false],
  ['utf-8-validate/prebuilds/linux-x64/node.napi.musl.node', false, false],
  ['utf-8-validate/prebuilds/win32-ia32/node.napi.node', false, false],
  ['some-addon/build/Release/addon.node', true, true],
];

describe('prune-runtime', () => {
  for (const [path, onX64, onArm64] of ADDONS) {
    test(`${path}: ${onX64 ? 'kept' : 'removed'} on x64, ${onArm64 ? 'kept' : 'removed'} on arm64`, async () => {
      const { describeAddon, addonMismatch } = await loadScript();
      const addon = describeAddon(path);
      assert.equal(addonMismatch(addon, node24('x64')) === '', onX64, 'x64');
      assert.equal(addonMismatch(addon, node24('arm64')) === '', onArm64, 'arm64');
    });
  }

  test('removes TypeScript files and source maps, keeps JavaScript and JSON', async () => {
    const { isDevOnlyFile } = await loadScript();
    for (const name of ['index.d.ts', 'index.d.mts', 'x.d.cts', 'src/client.ts', 'index.js.map', 'a.mjs.map', 'b.d.ts.map']) {
      assert.equal(isDevOnlyFile(name), true, name);
    }
    for (const name of ['index.js', 'index.mjs', 'index.cjs', 'package.json', 'uws.js', 'README.md', 'tsconfig.json']) {
      assert.equal(isDevOnlyFile(name), false, name);
    }
  });
});
