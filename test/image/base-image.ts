// Stands in for the `node:<major>-<suite>-slim` base image: debootstrap Debian plus Node and npm from the npm registry.
//
// Everything is cached under the cache directory and reused between runs: the debootstrap root
// filesystem, the downloaded packages and finished layers (a layer is built in `<dir>.partial`
// and renamed when complete, so an interrupted run never leaves a half layer that looks done).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retry, run, runChecked } from './proc.js';
import { copyTree } from './builder.js';
import { sandboxRun } from './sandbox.js';

export interface NodeImageRef {
  nodeMajor: number;
  suite: string;
}

/** The PATH Docker's node images set. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Reads `node:24-trixie-slim`; the rehearsal can stand in only for official slim node images. */
export function parseNodeImage(ref: string): NodeImageRef {
  const m = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)-([a-z]+)-slim$/.exec(ref);
  if (!m) throw new Error(`the rehearsal can stand in for node:<major>-<suite>-slim images only, not "${ref}"`);
  return { nodeMajor: Number(m[1]), suite: m[2] ?? '' };
}

const DEBIAN_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** Debian's name for this machine's CPU; the rehearsal builds for the machine it runs on. */
export function debianArch(): string {
  const arch = DEBIAN_ARCH[process.arch];
  if (!arch) throw new Error(`the rehearsal runs on x64 or arm64 Linux, not ${process.arch}`);
  return arch;
}

async function commandExists(name: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${name}`], { timeoutMs: 5000 })).code === 0;
}

/** Root, Linux, and the host tools; installs debootstrap and iproute2 with apt-get when missing. */
export async function ensureHostTools(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the image rehearsal needs Linux');
  if (process.getuid?.() !== 0) throw new Error('the image rehearsal needs root (debootstrap, chroot, namespaces)');
  debianArch();
  const missing: string[] = [];
  if (!(await commandExists('debootstrap'))) missing.push('debootstrap');
  if (!(await commandExists('ip'))) missing.push('iproute2');
  if (missing.length > 0) {
    console.log(`  installing ${missing.join(', ')} with apt-get`);
    await runChecked('apt-get', ['update', '-qq'], { timeoutMs: 5 * 60_000 });
    await runChecked('apt-get', ['install', '-y', '-qq', ...missing], {
      timeoutMs: 5 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  for (const tool of ['unshare', 'nsenter', 'setpriv', 'chroot', 'mount', 'cp']) {
    if (!(await commandExists(tool))) throw new Error(`the image rehearsal needs ${tool} (util-linux / coreutils)`);
  }
}

/** A minbase Debian root filesystem of `suite`, made once by debootstrap. */
async function ensureDebootstrap(cacheDir: string, suite: string, logFile: string): Promise<string> {
  const dir = join(cacheDir, `debootstrap-${suite}-${debianArch()}`);
  if (existsSync(join(dir, '.complete'))) return join(dir, 'rootfs');
  const partial = `${dir}.partial`;
  mkdirSync(partial, { recursive: true });
  console.log(`  debootstrap --variant=minbase ${suite} (first run only; a few minutes)`);
  // A retry reuses the .debs already fetched; mirrors now and then serve a bad one.
  await retry(3, 'debootstrap', () => runChecked('unshare', [
    '--mount', '--propagation', 'private', '--',
    'debootstrap', '--variant=minbase', `--arch=${debianArch()}`, suite, join(partial, 'rootfs'),
  ], { timeoutMs: 15 * 60_000, logFile }));
  await runChecked('chroot', [join(partial, 'rootfs'), 'apt-get', 'clean'], { timeoutMs: 60_000 });
  writeFileSync(join(partial, '.complete'), `${suite} ${debianArch()} ${new Date().toISOString()}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return join(dir, 'rootfs');
}

/** Newest version of `pkg` matching a major version, from the registry. */
async function newestVersion(pkg: string, major: number): Promise<string> {
  const out = await runChecked('npm', ['view', `${pkg}@${major}`, 'version', '--json'], { timeoutMs: 60_000 });
  const parsed: unknown = JSON.parse(out);
  const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v): v is string => typeof v === 'string');
  const parts = (v: string) => v.split('.').map(Number);
  versions.sort((a, b) => {
    const [x, y] = [parts(a), parts(b)];
    return [0, 1, 2].map((i) => (x[i] ?? 0) - (y[i] ?? 0)).find((d) => d !== 0) ?? 0;
  });
  const newest = versions.at(-1);
  if (!newest) throw new Error(`no ${pkg}@${major} in the registry`);
  return newest;
}

/** A package tarball from the registry, downloaded once into the cache. */
async function download(cacheDir: string, pkg: string, version: string): Promise<string> {
  const dir = join(cacheDir, 'downloads');
  const file = join(dir, `${pkg}-${version}.tgz`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  await retry(3, `npm pack ${pkg}`, () => runChecked('npm', ['pack', `${pkg}@${version}`, '--pack-destination', dir],
    { timeoutMs: 10 * 60_000 }));
  return file;
}

/** The npm version a Node release bundles, read from its changelog ("upgrade npm to x.y.z"). */
function bundledNpmVersion(nodePackageDir: string): string | undefined {
  const changelog = readFileSync(join(nodePackageDir, 'CHANGELOG.md'), 'utf8');
  return /upgrade npm to (\d+\.\d+\.\d+)/.exec(changelog)?.[1];
}

export interface BaseImage {
  rootfs: string;
  /** ENV of the base image (PATH, NODE_VERSION), as `docker inspect` would show. */
  env: Record<string, string>;
  key: string;
  nodeVersion: string;
  npmVersion: string;
}

/** node:<major>-<suite>-slim: debootstrap + /usr/local/bin/node + npm + the `node` user, cached. */
export async function ensureNodeImage(cacheDir: string, ref: NodeImageRef, logFile: string): Promise<BaseImage> {
  const debootstrapped = await ensureDebootstrap(cacheDir, ref.suite, logFile);
  const nodePkg = `node-linux-${process.arch}`;
  const nodeVersion = await newestVersion(nodePkg, ref.nodeMajor);
  const key = `node-${nodeVersion}-${ref.suite}-${debianArch()}`;
  const dir = join(cacheDir, 'layers', key);
  const env = { PATH: IMAGE_PATH, NODE_VERSION: nodeVersion };
  const done = join(dir, '.complete');
  if (existsSync(done)) {
    return { rootfs: join(dir, 'rootfs'), env, key, nodeVersion, npmVersion: readFileSync(done, 'utf8').trim() };
  }
  console.log(`  making the ${key} base layer`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const rootfs = join(partial, 'rootfs');
  await copyTree(debootstrapped, rootfs);
  const unpacked = join(partial, 'node-package');
  mkdirSync(unpacked);
  await runChecked('tar', ['-xzf', await download(cacheDir, nodePkg, nodeVersion), '-C', unpacked], { timeoutMs: 120_000 });
  await runChecked('cp', [join(unpacked, 'package/bin/node'), join(rootfs, 'usr/local/bin/node')], { timeoutMs: 60_000 });
  const npmVersion = bundledNpmVersion(join(unpacked, 'package')) ?? await newestVersion('npm', 11);
  rmSync(unpacked, { recursive: true });
  const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
  mkdirSync(npmDir, { recursive: true });
  await runChecked('tar', ['-xzf', await download(cacheDir, 'npm', npmVersion), '-C', npmDir, '--strip-components=1'],
    { timeoutMs: 120_000 });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
  // The official image's user; kept so uid/gid clashes show up here as they would there.
  const root = { uid: 0, gid: 0, home: '/root' };
  const created = await sandboxRun(rootfs, ['/bin/sh', '-c',
    'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && node --version'],
  { user: root, cwd: '/', env, network: 'host', timeoutMs: 60_000, logFile });
  if (created.code !== 0) throw new Error(`setting up the base layer failed:\n${created.output}`);
  writeFileSync(join(partial, '.complete'), `${npmVersion}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return { rootfs: join(dir, 'rootfs'), env, key, nodeVersion, npmVersion };
}

/** Deletes cached layers and downloads that are not in `keep` (file or directory names). */
export function dropStaleCache(cacheDir: string, keep: ReadonlySet<string>): void {
  for (const sub of ['layers', 'downloads']) {
    const dir = join(cacheDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!keep.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}
