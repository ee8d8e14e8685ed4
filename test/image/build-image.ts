// Builds every stage of the Dockerfile into root filesystems and returns the final one with its image config.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNodeImage, parseNodeImage, type BaseImage } from './base-image.js';
import { buildStage, cacheablePrefix, copyTree, type BuildEnv, type BuildState } from './builder.js';
import { loadDockerignore } from './context.js';
import { finalStage, imageConfig, type Dockerfile, type ImageConfig, type Stage } from './dockerfile.js';

export interface BuiltImage {
  rootfs: string;
  config: ImageConfig;
  base: BaseImage;
  /** Cache entries this build used (kept when stale ones are dropped). */
  cacheEntries: string[];
}

function freshState(base: BaseImage): BuildState {
  return { env: { ...base.env }, user: 'root', workdir: '/' };
}

/** The final stage's OS-level layer (RUN lines before the first COPY), cached like Docker's layer cache. */
async function finalBaseLayer(cacheDir: string, stage: Stage, base: BaseImage, build: BuildEnv):
  Promise<{ name: string; rootfs: string; state: BuildState }> {
  const prefix = cacheablePrefix(stage);
  const key = createHash('sha256')
    .update(JSON.stringify([base.key, prefix.map((i) => [i.keyword, i.flags, i.args])]))
    .digest('hex').slice(0, 16);
  const name = `final-${key}`;
  const dir = join(cacheDir, 'layers', name);
  if (existsSync(join(dir, '.complete'))) {
    console.log(`    [${stage.name}] ${prefix.length} instructions before the first COPY: cached`);
    return { name, rootfs: join(dir, 'rootfs'), state: JSON.parse(readFileSync(join(dir, '.complete'), 'utf8')) as BuildState };
  }
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await copyTree(base.rootfs, join(partial, 'rootfs'));
  const state = await buildStage(join(partial, 'rootfs'), { ...stage, instructions: prefix }, freshState(base), build);
  writeFileSync(join(partial, '.complete'), JSON.stringify(state));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return { name, rootfs: join(dir, 'rootfs'), state };
}

/**
 * Builds all stages in order inside `workDir` and returns the final image's root filesystem.
 * Every stage must be FROM the same node:<major>-<suite>-slim image (ours are).
 */
export async function buildImage(file: Dockerfile, contextDir: string, cacheDir: string, workDir: string,
  logFile: string): Promise<BuiltImage> {
  const refs = new Set(file.stages.map((s) => s.from));
  if (refs.size !== 1) throw new Error(`the rehearsal expects one base image for all stages, got ${[...refs].join(', ')}`);
  const base = await ensureNodeImage(cacheDir, parseNodeImage([...refs][0] ?? ''), logFile);
  console.log(`  base: ${[...refs][0]} = Debian + Node ${base.nodeVersion} + npm ${base.npmVersion}`);
  const stageRoots = new Map<string, string>();
  const build: BuildEnv = { contextDir, ignore: loadDockerignore(contextDir), stageRoots, logFile };
  const last = finalStage(file);
  for (const stage of file.stages.filter((s) => s !== last)) {
    const rootfs = join(workDir, 'stages', stage.name, 'rootfs');
    await copyTree(base.rootfs, rootfs);
    await buildStage(rootfs, stage, freshState(base), build);
    stageRoots.set(stage.name, rootfs);
  }
  const layer = await finalBaseLayer(cacheDir, last, base, build);
  const rootfs = join(workDir, 'image', 'rootfs');
  mkdirSync(join(workDir, 'image'), { recursive: true });
  await copyTree(layer.rootfs, rootfs);
  await buildStage(rootfs, last, layer.state, build, cacheablePrefix(last).length);
  rmSync(join(workDir, 'stages'), { recursive: true, force: true });
  return {
    rootfs,
    config: imageConfig(last, base.env),
    base,
    cacheEntries: [base.key, layer.name, `node-linux-${process.arch}-${base.nodeVersion}.tgz`, `npm-${base.npmVersion}.tgz`],
  };
}
