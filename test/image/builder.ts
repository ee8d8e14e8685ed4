// Builds the stages of our Dockerfile without Docker: each stage is a root filesystem directory.
//
// Supported: FROM (a stage's base is given by the caller), WORKDIR, ENV, USER, RUN, COPY from the
// context or `--from=<stage>`; ARG/LABEL/EXPOSE/VOLUME/HEALTHCHECK/ENTRYPOINT/CMD are metadata.
// RUN shares the host network as `docker build` does. Two build-time-only aids that leave nothing
// in the result: the host's npm cache (like a BuildKit cache mount) and, when the host trusts an
// extra CA through NODE_EXTRA_CA_CERTS (a TLS-inspecting proxy), that CA for npm.
import { copyFileSync, existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { copyFromContext, type IgnoreRule } from './context.js';
import { parseEnvPairs, type Instruction, type Stage } from './dockerfile.js';
import { runChecked } from './proc.js';
import { resolveUser, sandboxRun } from './sandbox.js';

export interface BuildState {
  env: Record<string, string>;
  user: string;
  workdir: string;
}

export interface BuildEnv {
  contextDir: string;
  ignore: readonly IgnoreRule[];
  /** Root filesystems of the stages built so far, by name, for COPY --from. */
  stageRoots: ReadonlyMap<string, string>;
  logFile: string;
}

const BUILD_AID_DIR = '/tmp/.rehearsal-build';
const RUN_TIMEOUT_MS = 10 * 60_000;

/** Copies a directory tree with cp -a (owners, modes, links kept; reflinks where the fs allows). */
export async function copyTree(from: string, to: string): Promise<void> {
  mkdirSync(join(to, '..'), { recursive: true });
  await runChecked('cp', ['-a', '--reflink=auto', from, to], { timeoutMs: 5 * 60_000 });
}

function resolveIn(workdir: string, path: string): string {
  return isAbsolute(path) ? path : posix.join(workdir, path);
}

/** Runs one RUN line in the stage's root filesystem as the current user. */
async function runStep(rootfs: string, ins: Instruction, state: BuildState, logFile: string): Promise<void> {
  const account = resolveUser(rootfs, state.user);
  const env: Record<string, string> = { HOME: account.home, ...state.env };
  const aids = join(rootfs, BUILD_AID_DIR);
  const npmCache = join(aids, 'npm-cache');
  mkdirSync(npmCache, { recursive: true });
  copyFileSync('/etc/resolv.conf', join(rootfs, 'etc/resolv.conf'));
  env.npm_config_cache = `${BUILD_AID_DIR}/npm-cache`;
  const hostCa = process.env.NODE_EXTRA_CA_CERTS;
  if (hostCa && existsSync(hostCa)) {
    copyFileSync(hostCa, join(aids, 'ca.pem'));
    env.NODE_EXTRA_CA_CERTS = `${BUILD_AID_DIR}/ca.pem`;
  }
  const hostNpmCache = process.env.npm_config_cache ?? join(homedir(), '.npm');
  mkdirSync(hostNpmCache, { recursive: true });
  try {
    const argv = ins.exec ?? ['/bin/sh', '-c', ins.args];
    writeFileSync(logFile, `\n# line ${ins.line}: RUN ${ins.args}\n`, { flag: 'a' });
    const result = await sandboxRun(rootfs, argv, {
      user: account, cwd: state.workdir, env, network: 'host', logFile,
      binds: [[hostNpmCache, `${BUILD_AID_DIR}/npm-cache`]], timeoutMs: RUN_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      throw new Error(`Dockerfile line ${ins.line}: RUN exited ${result.code ?? result.signal}:\n${result.output.slice(-4000)}`);
    }
  } finally {
    // The bind mount died with the namespace, so the mount point is empty: rmdir, never rm -r.
    rmSync(join(aids, 'ca.pem'), { force: true });
    rmdirSync(npmCache);
    rmdirSync(aids);
  }
}

/** Applies one instruction to a stage being built. */
export async function applyInstruction(rootfs: string, ins: Instruction, state: BuildState, build: BuildEnv):
  Promise<void> {
  switch (ins.keyword) {
    case 'WORKDIR':
      state.workdir = resolveIn(state.workdir, ins.args.trim());
      mkdirSync(join(rootfs, state.workdir), { recursive: true });
      return;
    case 'ENV':
      Object.assign(state.env, parseEnvPairs(ins.args));
      return;
    case 'USER':
      state.user = ins.args.trim();
      return;
    case 'RUN':
      await runStep(rootfs, ins, state, build.logFile);
      return;
    case 'COPY':
      await copyStep(rootfs, ins, state, build);
      return;
    case 'ARG': case 'LABEL': case 'EXPOSE': case 'VOLUME': case 'HEALTHCHECK': case 'ENTRYPOINT': case 'CMD':
    case 'STOPSIGNAL':
      return;
    default:
      throw new Error(`Dockerfile line ${ins.line}: the rehearsal does not support ${ins.keyword}`);
  }
}

async function copyStep(rootfs: string, ins: Instruction, state: BuildState, build: BuildEnv): Promise<void> {
  const unsupported = Object.keys(ins.flags).filter((f) => f !== 'from' && f !== 'link');
  if (unsupported.length > 0) throw new Error(`Dockerfile line ${ins.line}: COPY --${unsupported[0]} is not supported`);
  const words = ins.exec ?? ins.args.split(/\s+/);
  const dest = resolveIn(state.workdir, words.at(-1) ?? '.') + ((words.at(-1) ?? '').endsWith('/') ? '/' : '');
  const sources = words.slice(0, -1);
  const from = ins.flags.from;
  if (from === undefined) {
    copyFromContext(build.contextDir, build.ignore, sources, dest, rootfs);
    return;
  }
  const fromRoot = build.stageRoots.get(from);
  if (!fromRoot) throw new Error(`Dockerfile line ${ins.line}: COPY --from=${from}: no such stage built`);
  for (const source of sources) {
    const src = join(fromRoot, source);
    if (!existsSync(src)) throw new Error(`Dockerfile line ${ins.line}: COPY --from=${from} ${source}: not found`);
    // A directory source copies its contents into dest, merging with what is there.
    const isDir = statSync(src).isDirectory();
    const target = join(rootfs, dest);
    mkdirSync(isDir || dest.endsWith('/') ? target : dirname(target), { recursive: true });
    await runChecked('cp', ['-a', '--reflink=auto', isDir ? `${src}/.` : src, target], { timeoutMs: 5 * 60_000 });
  }
}

/** Builds `stage` on top of `rootfs` (already holding its base), from instruction `startAt` on. */
export async function buildStage(rootfs: string, stage: Stage, state: BuildState, build: BuildEnv, startAt = 0):
  Promise<BuildState> {
  for (const ins of stage.instructions.slice(startAt)) {
    const started = Date.now();
    await applyInstruction(rootfs, ins, state, build);
    if (ins.keyword === 'RUN' || ins.keyword === 'COPY') {
      const flags = Object.entries(ins.flags).map(([k, v]) => `--${k}=${v} `).join('');
      const what = `${flags}${ins.args}`.length > 70 ? `${`${flags}${ins.args}`.slice(0, 67)}...` : `${flags}${ins.args}`;
      console.log(`    [${stage.name}] ${ins.keyword} ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  return state;
}

/** The instructions a cache layer may hold: everything before the first COPY (no project files). */
export function cacheablePrefix(stage: Stage): Instruction[] {
  const firstCopy = stage.instructions.findIndex((i) => i.keyword === 'COPY');
  return stage.instructions.slice(0, firstCopy < 0 ? stage.instructions.length : firstCopy);
}
