// Regenerates docs/CONFIG.md from the schema (`npm run docs:config`).
import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from '../../src/config/docs.js';

writeFileSync(new URL('../../../docs/CONFIG.md', import.meta.url), renderConfigDoc());
process.stdout.write('wrote docs/CONFIG.md\n');
