// Dockerfile, compose.yaml, .env.example and .dockerignore agree with each other and with the code.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { finalStage, imageConfig, instructions, parseDockerfile, stageNamed } from '../image/dockerfile.js';
import { isIgnored, loadDockerignore } from '../image/context.js';
import { CONFIG_KEYS, DEFAULT_PORT, HEALTH_PATH, envNameFor } from '../../src/config/schema.js';
import { CONFIG_SEARCH_PATHS } from '../../src/config/load.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

const CONFIG_ENV_NAMES = new Set(CONFIG_KEYS.map((k) => k.envName));
/** Provider conventions the loader also reads, as the schema's descriptions name them. */
const FALLBACK_ENV_NAMES = new Set(CONFIG_KEYS.flatMap((k) =>
  [...String(k.schema.description ?? '').matchAll(/falls back to ([A-Z_ /]+)\)/g)].flatMap((m) => (m[1] ?? '').split(' / '))));
/** Read by the CLI itself rather than the config (clanker status, --config). */
const CLI_ENV_NAMES = new Set(['CLANKER_CONFIG', 'CLANKER_URL', 'CLANKER_TOKEN']);
const HOST_ENV = envNameFor(['server', 'host']);
const PORT_ENV = envNameFor(['server', 'port']);
const TOKEN_ENV = envNameFor(['server', 'auth_token']);
const DATA_DIR_ENV = envNameFor(['storage', 'data_dir']);

const DATA_DIR = '/var/lib/open-clanker';
const CONFIG_FILE = '/etc/open-clanker/config.toml';
const CONFIG_DIR = dirname(CONFIG_FILE);
const USER = 'clanker';

const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = finalStage(dockerfile);
const image = imageConfig(runtime);
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>; files: string[]; scripts: Record<string, string>;
};

interface ComposeService {
  build?: unknown;
  restart?: string;
  env_file?: string | string[];
  environment?: Record<string, string> | string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
}
const compose = parseYaml(read('compose.yaml')) as { services: Record<string, ComposeService> };
const services = Object.values(compose.services);
const gateway = services[0] ?? {};

describe('Dockerfile', () => {
  test('every stage builds on node:24-trixie-slim (Node 24 uWS needs glibc 2.38+)', () => {
    for (const stage of dockerfile.stages) assert.equal(stage.from, 'node:24-trixie-slim', stage.name);
  });

  test('the runtime exposes the default port and keeps data in a volume', () => {
    assert.deepEqual(image.exposed, [String(DEFAULT_PORT)]);
    assert.deepEqual(image.volumes, [DATA_DIR]);
    assert.equal(image.env[DATA_DIR_ENV], DATA_DIR);
  });

  test('the config file the image documents is one the loader looks for', () => {
    assert.ok((CONFIG_SEARCH_PATHS as readonly string[]).includes(CONFIG_FILE));
  });

  test('it listens on all interfaces, so the auth token is required at run time', () => {
    assert.equal(image.env[HOST_ENV], '0.0.0.0');
    assert.equal(image.env[TOKEN_ENV], undefined, 'no token may be baked into the image');
  });

  test('it runs the package bin as the non-root user under tini', () => {
    assert.equal(image.user, USER);
    assert.deepEqual(image.entrypoint, ['/usr/bin/tini', '--']);
    const bin = pkg.bin.clanker ?? '';
    assert.deepEqual(image.cmd, ['node', `/app/${bin}`, 'serve']);
    assert.ok(pkg.files.some((f) => bin.startsWith(`${f}/`)), `${bin} is shipped by package.json "files"`);
    const setup = instructions(runtime, 'RUN').map((r) => r.args).join('\n');
    assert.match(setup, new RegExp(`useradd .*${USER}`));
    assert.match(setup, new RegExp(`chown ${USER}:${USER} ${DATA_DIR}`));
    assert.match(setup, new RegExp(`mkdir -p .*${CONFIG_DIR}`));
  });

  test('the health check fetches the health path on the configured or default port', () => {
    const [node, flag, script = ''] = image.healthcheck;
    assert.deepEqual([node, flag], ['node', '-e']);
    assert.ok(script.includes(`'${HEALTH_PATH}'`), script);
    assert.ok(script.includes(`process.env.${PORT_ENV}||${DEFAULT_PORT}`), script);
  });

  test('production dependencies are installed from the lockfile and pruned by the shared script', () => {
    const deps = instructions(stageNamed(dockerfile, 'deps'), 'RUN').map((r) => r.args).join('\n');
    assert.match(deps, /npm ci --omit=dev --ignore-scripts/);
    assert.match(deps, /node \/tmp\/prune-runtime\.mjs \/app\/node_modules/);
    assert.ok(existsSync(join(ROOT, 'scripts/prune-runtime.mjs')));
    const build = instructions(stageNamed(dockerfile, 'build'), 'RUN').map((r) => r.args).join('\n');
    assert.match(build, /npm pack/);
    const copies = instructions(runtime, 'COPY').map((c) => `${c.flags.from} ${c.args}`);
    assert.deepEqual(copies, ['deps /app/node_modules /app/node_modules', 'build /app /app']);
  });
});

describe('compose.yaml', () => {
  test('has one gateway service that builds this Dockerfile and restarts', () => {
    assert.equal(services.length, 1);
    assert.equal(gateway.build, '.');
    assert.equal(gateway.restart, 'unless-stopped');
  });

  test('publishes the container port the image exposes', () => {
    const targets = (gateway.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    assert.deepEqual(targets, [DEFAULT_PORT]);
  });

  test('mounts config read-only and data at the image paths', () => {
    const mounts = (gateway.volumes ?? []).map((v) => v.split(':'));
    assert.ok(mounts.some(([, target, mode]) => target === CONFIG_DIR && mode === 'ro'), 'config volume, read-only');
    assert.ok(mounts.some(([, target]) => target === DATA_DIR), 'data volume');
  });

  test('takes its env from .env and checks health the same way as the Dockerfile', () => {
    assert.deepEqual([gateway.env_file].flat(), ['.env']);
    assert.deepEqual(gateway.healthcheck?.test, ['CMD', ...image.healthcheck]);
  });
});

describe('env names', () => {
  const named = (text: string) => [...text.matchAll(/\b((?:CLANKER|ANTHROPIC|OPENAI|TELEGRAM|DISCORD)_[A-Z0-9_]+)\b/g)]
    .map((m) => m[1] ?? '');
  const sources = {
    Dockerfile: named(read('Dockerfile')),
    'compose.yaml': named(read('compose.yaml')),
    '.env.example': named(read('.env.example')),
    'docs/DEPLOY.md': existsSync(join(ROOT, 'docs/DEPLOY.md')) ? named(read('docs/DEPLOY.md')) : [],
  };
  for (const [file, names] of Object.entries(sources)) {
    test(`${file} names only env vars the config loader reads`, () => {
      const unknown = names.filter((n) => !CONFIG_ENV_NAMES.has(n) && !FALLBACK_ENV_NAMES.has(n) && !CLI_ENV_NAMES.has(n));
      assert.deepEqual([...new Set(unknown)], []);
    });
  }

  test('the provider fallbacks are found in the schema', () => {
    assert.deepEqual([...FALLBACK_ENV_NAMES].sort(), ['ANTHROPIC_API_KEY', 'DISCORD_BOT_TOKEN', 'OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN']);
  });

  test('.env.example carries the token line empty and no secrets', () => {
    const lines = read('.env.example').split('\n').filter((l) => /^[A-Z_]+=/.test(l));
    assert.ok(lines.includes(`${TOKEN_ENV}=`), 'token present and empty');
    for (const line of lines.filter((l) => /TOKEN|KEY/.test(l))) assert.match(line, /=$/, line);
  });
});

describe('build context', () => {
  const rules = loadDockerignore(ROOT);
  test('keeps secrets, local state and build output out of the context', () => {
    for (const path of ['.env', '.env.production', 'node_modules/x', 'dist/src/cli/index.js', '.image-cache/x', '.git', 'clanker.toml']) {
      assert.ok(isIgnored(path, rules), path);
    }
  });

  test('keeps everything the build stage needs', () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'src/cli/index.ts', 'workers/x.ts',
      'scripts/prune-runtime.mjs', '.env.example', ...pkg.files.filter((f) => !f.startsWith('dist/'))];
    for (const path of needed) assert.ok(!isIgnored(path, rules), path);
  });

  test('.gitignore keeps the rehearsal cache and .env out of git', () => {
    const ignored = read('.gitignore').split('\n');
    assert.ok(ignored.includes('.image-cache/'));
    assert.ok(ignored.includes('.env'));
  });

  test('npm run test:image is wired to the rehearsal entry', () => {
    assert.match(pkg.scripts['test:image'] ?? '', /node dist\/test\/image\/rehearse\.js --run/);
  });
});
