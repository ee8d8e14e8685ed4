// Runs the built image like `docker run` would and checks the gateway from next to it, then stops it like `docker stop`.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltImage } from './build-image.js';
import type { Check } from './image-contents.js';
import { childPids, Container, execIn, resolveUser, runInNetns, uidOf, type Account } from './sandbox.js';

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'probe.js');
const STOP_GRACE_MS = 10_000;

function startImage(image: BuiltImage, extraEnv: Record<string, string>): { container: Container; env: Record<string, string> } {
  const user = resolveUser(image.rootfs, image.config.user);
  // Docker gives the process the image's ENV, HOME of its user, and what `-e` adds: nothing else.
  const env = { HOME: user.home, ...image.config.env, ...extraEnv };
  const argv = [...image.config.entrypoint, ...image.config.cmd];
  return { container: Container.start(image.rootfs, argv, { user, cwd: image.config.workdir, env }), env };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Without CLANKER_SERVER_AUTH_TOKEN the image (listening on 0.0.0.0) must refuse to start and say why. */
async function refusesWithoutToken(image: BuiltImage): Promise<Check> {
  const { container } = startImage(image, {});
  try {
    const exit = await withTimeout(container.exited, 15_000);
    const says = container.output.includes('CLANKER_SERVER_AUTH_TOKEN');
    return {
      name: 'without CLANKER_SERVER_AUTH_TOKEN it exits non-zero naming the variable',
      ok: exit !== undefined && exit.code !== 0 && says,
      detail: `${exit ? `exit ${exit.code ?? exit.signal}` : 'still running after 15 s'}; output: ${container.output.trim().slice(-600)}`,
    };
  } finally {
    container.kill();
  }
}

function dataDirListing(image: BuiltImage, uid: number): Check {
  const dir = image.config.env.CLANKER_STORAGE_DATA_DIR ?? '';
  const root = join(image.rootfs, dir);
  const files = readdirSync(root, { recursive: true }).map(String);
  const foreign = files.filter((f) => statSync(join(root, f)).uid !== uid);
  return {
    name: `everything the gateway wrote in ${dir} belongs to its user`,
    ok: foreign.length === 0, detail: `files: ${files.join(', ') || '(none)'}${foreign.length ? `; not owned: ${foreign.join(', ')}` : ''}`,
  };
}

/** The hot-backup command of docs/DEPLOY.md (as shipped in the image), run against the live gateway. */
async function hotBackup(image: BuiltImage, init: number, user: Account, env: Record<string, string>): Promise<Check> {
  const name = 'the hot backup of docs/DEPLOY.md copies the live database';
  const docs = readFileSync(join(image.rootfs, 'app/docs/DEPLOY.md'), 'utf8');
  const js = /exec gateway node --input-type=module -e "\n([\s\S]*?)"\n/.exec(docs)?.[1];
  const target = js && /backup\('([^']+)'/.exec(js)?.[1];
  if (!js || !target) return { name, ok: false, detail: 'no hot-backup command found in docs/DEPLOY.md' };
  const made = await execIn(init, ['node', '--input-type=module', '-e', js], { user, env, timeoutMs: 30_000 });
  if (made.code !== 0) return { name, ok: false, detail: made.output.trim() };
  // The copy must open as a database that holds the gateway's named databases.
  const count = await execIn(init, ['node', '--input-type=module', '-e',
    `import { open } from 'lmdb'; const db = open({ path: '${target}', readOnly: true });` +
    ' console.log(db.getStats().entryCount); await db.close();'], { user, env, timeoutMs: 30_000 });
  const entries = Number(count.output.trim());
  rmSync(join(image.rootfs, target), { force: true });
  return { name, ok: count.code === 0 && entries > 0, detail: `${target}: ${count.output.trim()} entries in the main database` };
}

/** Starts the image with a token, probes it, runs its HEALTHCHECK, then SIGTERMs PID 1. */
async function servesAndStops(image: BuiltImage, token: string): Promise<Check[]> {
  const checks: Check[] = [];
  const { container, env } = startImage(image, { CLANKER_SERVER_AUTH_TOKEN: token });
  const user = resolveUser(image.rootfs, image.config.user);
  try {
    const init = await container.initPid();
    const port = image.config.env.CLANKER_SERVER_PORT ?? image.config.exposed[0]?.split('/')[0] ?? '';
    const pkg = JSON.parse(readFileSync(join(image.rootfs, 'app/package.json'), 'utf8')) as { version: string };
    const probe = await runInNetns(init, [process.execPath, PROBE, '--probe'], {
      PATH: process.env.PATH, PROBE_PORT: port, PROBE_TOKEN: token, PROBE_VERSION: pkg.version,
    }, 90_000);
    for (const line of probe.output.split('\n').filter((l) => l.startsWith('{'))) checks.push(JSON.parse(line) as Check);
    if (probe.code !== 0 && checks.every((c) => c.ok)) {
      checks.push({ name: 'probe ran', ok: false, detail: probe.output.slice(-2000) });
    }
    const health = await execIn(init, image.config.healthcheck, { user, env, timeoutMs: 15_000 });
    checks.push({ name: 'the Dockerfile HEALTHCHECK passes (run in the container as its user)', ok: health.code === 0, detail: health.output.trim() });
    checks.push(await hotBackup(image, init, user, env));
    const nodePid = childPids(init)[0];
    const uid = nodePid === undefined ? -1 : uidOf(nodePid);
    checks.push({ name: `Node runs as ${image.config.user} under the init (PID 1)`, ok: uid === user.uid, detail: `uid ${uid}` });

    const stopped = Date.now();
    await container.signal('SIGTERM');
    const exit = await withTimeout(container.exited, STOP_GRACE_MS);
    const ms = Date.now() - stopped;
    checks.push({
      name: `SIGTERM to PID 1: exits 0 within ${STOP_GRACE_MS / 1000} s (docker stop's grace)`, ok: exit?.code === 0,
      detail: exit ? `exit ${exit.code ?? exit.signal} after ${ms} ms` : 'still running',
    });
    checks.push({ name: 'the token never appears in the output', ok: !container.output.includes(token), detail: '' });
    checks.push(dataDirListing(image, user.uid));
  } finally {
    container.kill();
    const tail = container.output.trim().split('\n').slice(-15).join('\n      ');
    console.log(`  gateway output (last lines):\n      ${tail.split(token).join('<token>')}`);
  }
  return checks;
}

/** The run-time checks; needs the gateway in the image. */
export async function runContainerChecks(image: BuiltImage, token: string): Promise<Check[]> {
  return [await refusesWithoutToken(image), ...await servesAndStops(image, token)];
}
