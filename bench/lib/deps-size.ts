// Installed size of the production dependencies: `npm ls --omit=dev --parseable --all`, then du on each package once.
import { execFileSync } from 'node:child_process';
import { relative, sep } from 'node:path';

export interface DepsSize { packages: number; totalMb: number; largest: Array<{ name: string; mb: number }> }

export function productionDepsSize(root: string): DepsSize {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: root, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 2 ** 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const paths = [...new Set(out.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== root.replace(/\/$/, '')))].sort();
  // A package nested in another's node_modules is already inside that one's du.
  const top = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(q + sep)));
  const du = execFileSync('du', ['-s', '-b', ...top], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 2 ** 20 });
  const sizes = du.trim().split('\n').map((line) => {
    const [bytes, path] = line.split('\t');
    return { name: relative(root, path ?? '').replace(/^node_modules\//, ''), mb: Number(bytes) / 2 ** 20 };
  });
  const totalMb = sizes.reduce((s, x) => s + x.mb, 0);
  return { packages: paths.length, totalMb, largest: sizes.sort((a, b) => b.mb - a.mb).slice(0, 6) };
}
