// `clanker config init|check|show`.
import { existsSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { renderDefaultToml, renderEffectiveToml } from '../config/render.js';

interface ConfigFlags { config?: string; force?: boolean }

export function runConfig(action: string, file: string | undefined, flags: ConfigFlags): void {
  switch (action) {
    case 'init': {
      const target = file ?? flags.config ?? 'clanker.toml';
      if (existsSync(target) && !flags.force) throw new Error(`${target} already exists (use --force to overwrite)`);
      writeFileSync(target, renderDefaultToml(), { mode: 0o600 });
      process.stdout.write(`wrote ${target}\n`);
      return;
    }
    case 'check': {
      const loaded = loadConfig({ file: file ?? flags.config });
      process.stdout.write(`${loaded.file ?? 'embedded defaults'}: ok\n`);
      return;
    }
    case 'show': {
      const loaded = loadConfig({ file: file ?? flags.config });
      process.stdout.write(renderEffectiveToml(loaded.config));
      return;
    }
    default:
      throw new Error(`unknown config action "${action}" (expected init, check or show)`);
  }
}
