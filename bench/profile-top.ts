// `node dist/bench/profile-top.js FILE.cpuprofile [N]`: the hottest functions of a V8 CPU profile (from --cpu-prof).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface HotFrame { name: string; where: string; selfMs: number; totalMs: number; selfPct: number }

function where(url: string, line: number): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url;
  return `${path}:${line + 1}`;
}

/** Self and total time per function (summed over every node of the same name and place). */
export function hotFrames(profile: Profile): HotFrame[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = (profile.endTime - profile.startTime) || 1;
  const frames = new Map<string, HotFrame>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur) as ProfileNode;
      const name = node.callFrame.functionName || '(anonymous)';
      const key = `${name} ${where(node.callFrame.url, node.callFrame.lineNumber)}`;
      const f = frames.get(key) ?? { name, where: where(node.callFrame.url, node.callFrame.lineNumber), selfMs: 0, totalMs: 0, selfPct: 0 };
      if (cur === id) f.selfMs += us / 1000;
      if (!seen.has(key)) f.totalMs += us / 1000;
      seen.add(key);
      frames.set(key, f);
    }
  }
  for (const f of frames.values()) f.selfPct = (f.selfMs * 1000 * 100) / total;
  return [...frames.values()];
}

const [file, count] = process.argv.slice(2);
if (file) {
  const frames = hotFrames(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const n = Number(count ?? 30);
  const line = (f: HotFrame): string => `${f.selfMs.toFixed(1).padStart(9)} ${f.selfPct.toFixed(1).padStart(5)}% ${f.totalMs.toFixed(1).padStart(9)}  ${f.name}  ${f.where}`;
  console.log('   self ms  self%  total ms  function');
  for (const f of frames.sort((a, b) => b.selfMs - a.selfMs).slice(0, n)) console.log(line(f));
  console.log('\nby total time:');
  for (const f of frames.sort((a, b) => b.totalMs - a.totalMs).slice(0, n)) console.log(line(f));
}
