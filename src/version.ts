// The package version, read once from package.json (two levels above dist/src).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'open-clanker' && pkg.version) return pkg.version;
    } catch {
      // try the next location: the layout differs between dist/ and a source checkout
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
