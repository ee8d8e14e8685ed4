#!/usr/bin/env node
// Prunes a production node_modules down to what can run on this platform; used by the Dockerfile and by `npm run test:image`.
//
// Usage: node scripts/prune-runtime.mjs <node_modules> [--dry-run]
//
// Run it with the Node binary of the image (the build stage does): the target platform, CPU,
// Node ABI and libc are those of the running process, so nothing here is hard-coded per arch.
// A clean prune deletes only files that nothing can load at run time and never a package's
// JavaScript or package.json, so module resolution is unchanged:
//   1. native addons (*.node) built for another OS, CPU, Node ABI or libc. This removes every
//      binary of @trufflesuite/uws-js-unofficial on Node 24 (its builds stop at ABI 115). None
//      of them could load there anyway; the package stays resolvable, and src/gateway/uws.ts,
//      which requires its binary directly only when @btc-vision/uwebsockets.js fails, then
//      fails loudly naming both reasons instead of running a JS fallback;
//   2. TypeScript files and JS source maps (Node never loads TypeScript from node_modules).
// Then it requires the native modules the app needs and fails if any of them cannot load.
import { createRequire } from 'node:module';
import { readdirSync, realpathSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** Native packages the gateway needs (each as its path of dependents) and a check of what loaded. */
const REQUIRED_NATIVE = [
  [['@btc-vision/uwebsockets.js'], (m) => typeof m.App === 'function' && typeof m.SSLApp === 'function'],
  [['lmdb'], (m) => typeof m.open === 'function'],
  [['lmdb', 'msgpackr', 'msgpackr-extract'], (m) => typeof m.extractStrings === 'function'],
];

const PLATFORMS = new Set(['linux', 'darwin', 'win32', 'freebsd', 'openbsd', 'android', 'sunos', 'aix']);
const ARCHES = new Set(['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'universal']);

/** What this process can load: the image's platform, CPU, Node ABI and libc. */
export function currentTarget() {
  const glibc = process.report?.getReport().header.glibcVersionRuntime;
  return {
    platform: process.platform,
    arch: process.arch,
    abi: process.versions.modules,
    libc: process.platform !== 'linux' ? '' : glibc ? 'glibc' : 'musl',
  };
}

/** Reads platform/arch/abi/libc claims from a native addon's path; unknown parts stay undefined. */
export function describeAddon(path) {
  const parts = path.split(/[\\/]/);
  const file = parts.at(-1) ?? '';
  const found = { platform: undefined, arches: undefined, abi: undefined, libc: undefined };
  const uws = /^uws_([a-z0-9]+)_([a-z0-9]+)_(\d+)\.node$/.exec(file);
  if (uws) return { platform: uws[1], arches: [uws[2]], abi: uws[3], libc: undefined };
  // prebuilds/<platform>-<arch>[+<arch>]/ (node-gyp-build, prebuildify)
  const prebuildDir = parts.findIndex((p) => p === 'prebuilds');
  if (prebuildDir >= 0 && parts[prebuildDir + 1]) claimPlatform(found, parts[prebuildDir + 1]);
  // optional per-platform packages: @lmdb/lmdb-linux-x64, @napi-rs/nice-linux-x64-gnu ...
  for (const dir of parts.slice(0, -1)) claimPlatform(found, dir);
  claimPlatform(found, file.replace(/\.node$/, ''));
  for (const tag of file.split('.')) {
    const abi = /^abi(\d+)$/.exec(tag);
    if (abi) found.abi = abi[1];
    if (tag === 'musl' || tag === 'glibc') found.libc = tag;
  }
  return found;
}

/** Finds `<platform>-<arch>[+<arch>...][-gnu|-musl]` at the end of a name, if any. */
function claimPlatform(found, name) {
  const m = /(?:^|[-.])([a-z0-9]+)-([a-z0-9+]+?)(?:-(gnu|musl|msvc|gnueabihf|musleabihf))?$/.exec(name);
  if (!m || !PLATFORMS.has(m[1])) return;
  const arches = m[2].split('+');
  if (!arches.every((a) => ARCHES.has(a))) return;
  found.platform = m[1];
  found.arches = arches;
  if (m[3] === 'musl' || m[3] === 'musleabihf') found.libc = 'musl';
  if (m[3] === 'gnu' || m[3] === 'gnueabihf') found.libc = 'glibc';
}

/** Why an addon cannot load on `target`, or '' when it might. */
export function addonMismatch(addon, target) {
  if (addon.platform !== undefined && addon.platform !== target.platform) return `platform ${addon.platform}`;
  if (addon.arches !== undefined && !addon.arches.includes(target.arch) && !addon.arches.includes('universal')) {
    return `arch ${addon.arches.join('+')}`;
  }
  if (addon.abi !== undefined && addon.abi !== target.abi) return `Node ABI ${addon.abi}`;
  if (addon.libc !== undefined && target.libc !== '' && addon.libc !== target.libc) return `libc ${addon.libc}`;
  return '';
}

/** Files no runtime reads: TypeScript sources/declarations and source maps of JS. */
export function isDevOnlyFile(name) {
  return /\.(?:c|m)?ts$/.test(name) || /\.(?:c|m)?(?:j|t)s\.map$/.test(name);
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name));
  }
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Deletes what cannot run here and returns a summary; `dryRun` only reports. */
export function prune(nodeModules, target = currentTarget(), dryRun = false) {
  const summary = { removedFiles: 0, removedBytes: 0, addonsRemoved: [], addonsKept: [] };
  for (const path of walk(nodeModules)) {
    const rel = relative(nodeModules, path).split(sep).join('/');
    let reason = '';
    if (path.endsWith('.node')) {
      reason = addonMismatch(describeAddon(rel), target);
      (reason ? summary.addonsRemoved : summary.addonsKept).push(reason ? `${rel} (${reason})` : rel);
    } else if (isDevOnlyFile(path)) {
      reason = 'dev-only';
    }
    if (!reason) continue;
    summary.removedFiles += 1;
    summary.removedBytes += statSync(path).size;
    if (!dryRun) rmSync(path);
  }
  if (!dryRun) removeEmptyDirs(nodeModules);
  return summary;
}

/** Requires each needed native package from `nodeModules`; returns the failures. */
export function checkNativeModules(nodeModules) {
  const failures = [];
  for (const [chain, looksRight] of REQUIRED_NATIVE) {
    const name = chain.join(' > ');
    try {
      // Resolve each package from the one that depends on it, as Node would at run time.
      let from = join(nodeModules, '..', 'prune-check.cjs');
      for (const dep of chain.slice(0, -1)) from = createRequire(from).resolve(dep);
      if (!looksRight(createRequire(from)(chain.at(-1)))) failures.push(`${name}: loaded, but without its native API`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return failures;
}

function main(argv) {
  const dir = argv.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node scripts/prune-runtime.mjs <node_modules> [--dry-run]');
    return 2;
  }
  const target = currentTarget();
  const summary = prune(dir, target, argv.includes('--dry-run'));
  const mb = (summary.removedBytes / 1048576).toFixed(1);
  console.log(`prune-runtime: target ${target.platform}-${target.arch} abi${target.abi} ${target.libc}`);
  console.log(`prune-runtime: removed ${summary.removedFiles} files, ${mb} MB ` +
    `(${summary.addonsRemoved.length} native addons for other targets)`);
  for (const kept of summary.addonsKept) console.log(`prune-runtime: kept ${kept}`);
  const failures = checkNativeModules(dir);
  for (const failure of failures) console.error(`prune-runtime: cannot load ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
