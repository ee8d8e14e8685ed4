// `npm run test:image`: builds the Dockerfile without Docker and runs the image's CMD as its user, then checks it.
//
// Entry: `node dist/test/image/rehearse.js --run` (what `npm run test:image` does).
// Needs root on x64/arm64 Linux (debootstrap, chroot, namespaces) and the npm registry and Debian
// mirrors. Caches under .image-cache/ (REHEARSAL_CACHE_DIR overrides); REHEARSAL_KEEP=1 keeps the
// built root filesystem for a look afterwards. Docs: docs/DEPLOY.md ("Rehearsing the image").
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianArch, dropStaleCache, ensureHostTools } from './base-image.js';
import { buildImage, type BuiltImage } from './build-image.js';
import { parseDockerfile } from './dockerfile.js';
import { runContainerChecks } from './container-checks.js';
import { imageContents, type Check } from './image-contents.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CACHE_DIR = resolve(process.env.REHEARSAL_CACHE_DIR ?? join(ROOT, '.image-cache'));
const LOG_FILE = join(CACHE_DIR, 'last-run.log');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A work directory for this run; those of earlier runs that died are removed first. */
function makeWorkDir(): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  for (const name of readdirSync(CACHE_DIR).filter((n) => n.startsWith('run-'))) {
    const pidFile = join(CACHE_DIR, name, 'pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    if (!pid || !isAlive(pid)) rmSync(join(CACHE_DIR, name), { recursive: true, force: true });
  }
  const dir = join(CACHE_DIR, `run-${process.pid}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return dir;
}

/** Mount points under `dir` visible to us; our mounts live in private namespaces, so none is expected. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`- ${what}`);
  const value = await step();
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return value;
}

async function main(): Promise<number> {
  console.log(`image rehearsal: ${ROOT} (linux/${debianArch()}), cache ${CACHE_DIR}, log ${LOG_FILE}`);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(LOG_FILE, '');
  await timed('host tools', ensureHostTools);
  const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const workDir = makeWorkDir();
  const checks: Check[] = [];
  let image: BuiltImage | undefined;
  try {
    image = await timed('build the Dockerfile stages', () => buildImage(dockerfile, ROOT, CACHE_DIR, workDir, LOG_FILE));
    const built = image;
    const contents = await timed('image contents', () => imageContents(built));
    checks.push(...contents.checks);
    if (contents.gatewayPresent) {
      checks.push(...await timed('run the image', () => runContainerChecks(built, randomBytes(24).toString('hex'))));
    } else {
      console.log('- run the image: skipped, the CMD has nothing to run yet');
    }
  } catch (error) {
    checks.push({ name: 'rehearsal ran to the end', ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    if (process.env.REHEARSAL_KEEP === '1' && image) {
      console.log(`kept ${image.rootfs} (REHEARSAL_KEEP=1); delete it when done`);
    } else {
      rmSync(workDir, { recursive: true, force: true });
    }
    const leftover = mountsUnder(CACHE_DIR);
    checks.push({ name: 'no mounts left under the cache dir', ok: leftover.length === 0, detail: leftover.join(', ') });
  }
  if (image) dropStaleCache(CACHE_DIR, new Set(image.cacheEntries));
  for (const check of checks) {
    console.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? `\n       ${check.detail.split('\n').join('\n       ')}` : ''}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  if (failed > 0) console.log(`step log: ${LOG_FILE}`);
  console.log(`rehearsal: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// `node --test dist/test/` runs every .js file under a directory named test, this one included:
// only the explicit flag (which test:image passes) starts a rehearsal.
if (process.argv.includes('--run')) {
  process.exitCode = await main();
} else {
  console.log('image rehearsal: not started (run it with `npm run test:image`)');
}
