// Looks at the built image without starting the gateway: sizes, which native binaries survived the prune, the user.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltImage } from './build-image.js';
import { runChecked } from './proc.js';
import { resolveUser, sandboxRun } from './sandbox.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function sizeOf(path: string): Promise<string> {
  const [bytes, kib] = await Promise.all([
    runChecked('du', ['-sb', path], { timeoutMs: 60_000 }),
    runChecked('du', ['-sk', path], { timeoutMs: 60_000 }),
  ]);
  const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MiB`;
  return `${mb(Number(bytes.split('\t')[0]))} (${mb(Number(kib.split('\t')[0]) * 1024)} on disk)`;
}

function nativeAddons(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return nativeAddons(join(dir, e.name), path);
    return e.name.endsWith('.node') ? [path] : [];
  });
}

/** Checks on the image's files and a `docker run --rm <image> node -e ...` of the uWS binary. */
export async function imageContents(image: BuiltImage): Promise<{ checks: Check[]; gatewayPresent: boolean }> {
  const { rootfs, config } = image;
  const app = join(rootfs, 'app');
  for (const [what, path] of [['/app', app], ['/app/node_modules', join(app, 'node_modules')],
    ['/app/dist', join(app, 'dist')], ['whole root filesystem', rootfs]] as const) {
    console.log(`  size of ${what}: ${existsSync(path) ? await sizeOf(path) : 'missing'}`);
  }
  const checks: Check[] = [];
  const user = resolveUser(rootfs, config.user);
  checks.push({ name: `runs as a non-root user (${config.user})`, ok: user.uid !== 0, detail: `uid ${user.uid}` });
  const dataDir = config.env.CLANKER_STORAGE_DATA_DIR ?? '';
  const dataStat = dataDir ? statSync(join(rootfs, dataDir), { throwIfNoEntry: false }) : undefined;
  checks.push({
    name: `data dir ${dataDir} exists and belongs to ${config.user}`,
    ok: dataStat?.uid === user.uid, detail: dataStat ? `owner uid ${dataStat.uid}` : 'missing',
  });

  const abi = (await runChecked('chroot', [rootfs, '/usr/local/bin/node', '-p', 'process.versions.modules'],
    { timeoutMs: 30_000 })).trim();
  const addons = nativeAddons(join(app, 'node_modules'));
  console.log(`  native addons left after the prune (Node ABI ${abi}):\n    ${addons.join('\n    ')}`);
  const uws = addons.filter((a) => a.startsWith('@btc-vision/uwebsockets.js/'));
  const wanted = `@btc-vision/uwebsockets.js/uws_linux_${process.arch}_${abi}.node`;
  checks.push({ name: `uWS: only ${wanted.split('/').at(-1)} is left`, ok: uws.length === 1 && uws[0] === wanted, detail: uws.join(', ') });
  const foreign = addons.filter((a) => /darwin|win32|musl|@trufflesuite\//.test(a));
  checks.push({ name: 'no native addon for another platform, libc or the trufflesuite package', ok: foreign.length === 0, detail: foreign.join(', ') });

  const loaded = await sandboxRun(rootfs,
    ['node', '-e', "const u = require('@btc-vision/uwebsockets.js'); if (typeof u.App !== 'function') process.exit(3)"],
    { user, cwd: config.workdir, env: { ...config.env, HOME: user.home }, network: 'private', timeoutMs: 30_000 });
  checks.push({ name: "node -e \"require('@btc-vision/uwebsockets.js').App\" as the image user", ok: loaded.code === 0, detail: loaded.output.trim() });

  const entry = config.cmd.find((a) => a.endsWith('.js'));
  const entryExists = entry !== undefined && existsSync(join(rootfs, entry));
  checks.push({
    name: `the CMD's script ${entry ?? '(none)'} is in the image`, ok: entryExists,
    detail: entryExists ? '' : 'the gateway is not built yet (no src/cli/index.ts in this checkout?)',
  });
  return { checks, gatewayPresent: entryExists };
}
