// The Docker build context: which project files a `COPY` sees once .dockerignore is applied.
//
// Follows Docker's rules closely enough for a plain .dockerignore: patterns are paths relative
// to the context root with `*`, `?` and `**`; a pattern that matches a directory excludes all
// of it; `!pattern` re-includes; the last matching line wins.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Parses .dockerignore text into ordered rules. */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text.split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { pattern, negate, regex: globToRegex(pattern) };
    });
}

/** Whether a context-relative path (forward slashes) is left out of the context. */
export function isIgnored(rel: string, rules: readonly IgnoreRule[]): boolean {
  const parts = rel.split('/');
  const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (selfAndParents.some((p) => rule.regex.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

/** Whether some `!` rule could re-include a path below an ignored directory. */
function mayReinclude(dirRel: string, rules: readonly IgnoreRule[]): boolean {
  return rules.some((r) => r.negate && (r.pattern.includes('**') || r.pattern.startsWith(`${dirRel}/`)));
}

/** Every file of the context (relative paths), .dockerignore applied. */
export function contextFiles(root: string, rules: readonly IgnoreRule[], dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    const rel = relative(root, abs).split('\\').join('/');
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(abs).isDirectory());
    if (isDir) {
      if (!isIgnored(rel, rules) || mayReinclude(rel, rules)) out.push(...contextFiles(root, rules, abs));
    } else if (!isIgnored(rel, rules)) {
      out.push(rel);
    }
  }
  return out;
}

/** Loads the context rules of a project (an absent .dockerignore ignores nothing). */
export function loadDockerignore(root: string): IgnoreRule[] {
  const path = join(root, '.dockerignore');
  return existsSync(path) ? parseDockerignore(readFileSync(path, 'utf8')) : [];
}

/**
 * `COPY <src> <dest>` from the context into a root filesystem: a directory source copies its
 * contents, a destination ending in `/` (or several sources) is a directory.
 */
export function copyFromContext(root: string, rules: readonly IgnoreRule[], sources: readonly string[],
  dest: string, rootfs: string): void {
  const files = contextFiles(root, rules);
  const destIsDir = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    const src = source.replace(/^\.\/?/, '').replace(/\/+$/, '');
    const matched = files.filter((f) => src === '' || f === src || f.startsWith(`${src}/`));
    if (matched.length === 0) throw new Error(`COPY ${source}: not in the build context`);
    const isFile = matched.length === 1 && matched[0] === src;
    for (const file of matched) {
      const inside = isFile ? file.split('/').at(-1) ?? file : relative(src, file);
      const target = isFile && !destIsDir ? join(rootfs, dest) : join(rootfs, dest, inside);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(root, file), target, { dereference: true, preserveTimestamps: true });
    }
  }
}
