// A small Dockerfile reader: enough of the syntax to let the rehearsal and the tests use the real file.
//
// Supports what our Dockerfile uses: parser directives and comments, `\` line continuations,
// global ARGs substituted into FROM, stages (`FROM x AS name`), exec (JSON) and shell forms,
// `--flag=value` options, ENV key=value pairs and HEALTHCHECK options.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV ... */
  keyword: string;
  /** `--name=value` options in front of the arguments (COPY --from, HEALTHCHECK --interval ...). */
  flags: Record<string, string>;
  /** The arguments after the flags, as written (continuations joined with a space). */
  args: string;
  /** The arguments as a list: the JSON array of the exec form, or the shell form as one string. */
  exec: string[] | undefined;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return;
    if (current === '') start = index + 1;
    if (trimmed.endsWith('\\')) {
      current += trimmed.slice(0, -1).trimEnd() + ' ';
      return;
    }
    current += trimmed;
    if (current.trim() !== '') out.push({ text: current.trim(), line: start });
    current = '';
  });
  if (current.trim() !== '') out.push({ text: current.trim(), line: start });
  return out;
}

function parseExec(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`exec form must be a JSON array of strings: ${args}`);
  }
  return parsed;
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*(.*)$/.exec(text);
  if (!match) throw new Error(`line ${line}: cannot parse "${text}"`);
  const keyword = (match[1] ?? '').toUpperCase();
  let rest = match[2] ?? '';
  const flags: Record<string, string> = {};
  for (let flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[flag[1] ?? ''] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  return { keyword, flags, args: rest, exec: parseExec(rest), line };
}

function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) =>
    vars[a ?? b ?? ''] ?? whole);
}

/** Reads Dockerfile text into global ARGs and stages; FROM has the global ARGs substituted. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const ins = parseInstruction(lineText, line);
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      const stageName = as?.toUpperCase() === 'AS' && name ? name : String(stages.length);
      stages.push({ name: stageName, from: substitute(image, globalArgs), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${line}: only ARG may come before FROM`);
      const [key = '', value = ''] = ins.args.split('=');
      globalArgs[key] = value;
    } else {
      stages[stages.length - 1]?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Splits `A=1 B="two words"` into pairs (the legacy `ENV A 1` form is not supported). */
export function parseEnvPairs(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  const pair = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of args.matchAll(pair)) {
    const raw = m[2] ?? '';
    env[m[1] ?? ''] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return env;
}

/** The stage called `name`; throws when there is none. */
export function stageNamed(file: Dockerfile, name: string): Stage {
  const stage = file.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`Dockerfile has no stage "${name}"`);
  return stage;
}

/** The last stage: what `docker build` produces. */
export function finalStage(file: Dockerfile): Stage {
  const stage = file.stages.at(-1);
  if (!stage) throw new Error('Dockerfile has no FROM');
  return stage;
}

/** Every instruction with `keyword` in a stage. */
export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** What a container of this stage runs and with which settings, as Docker would compute it. */
export interface ImageConfig {
  env: Record<string, string>;
  user: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  exposed: string[];
  volumes: string[];
}

function shellOrExec(ins: Instruction): string[] {
  return ins.exec ?? ['/bin/sh', '-c', ins.args];
}

/** Folds ENV, USER, WORKDIR, ENTRYPOINT, CMD, HEALTHCHECK, EXPOSE and VOLUME of a stage. */
export function imageConfig(stage: Stage, baseEnv: Record<string, string> = {}): ImageConfig {
  const config: ImageConfig = {
    env: { ...baseEnv }, user: 'root', workdir: '/', entrypoint: [], cmd: [], healthcheck: [], exposed: [], volumes: [],
  };
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'ENV': Object.assign(config.env, parseEnvPairs(ins.args)); break;
      case 'USER': config.user = ins.args.trim(); break;
      case 'WORKDIR': config.workdir = ins.args.trim(); break;
      case 'ENTRYPOINT': config.entrypoint = shellOrExec(ins); break;
      case 'CMD': config.cmd = shellOrExec(ins); break;
      case 'EXPOSE': config.exposed.push(...ins.args.split(/\s+/)); break;
      case 'VOLUME': config.volumes.push(...(ins.exec ?? ins.args.split(/\s+/))); break;
      case 'HEALTHCHECK': config.healthcheck = healthcheckCommand(ins); break;
      default: break;
    }
  }
  return config;
}

/** `HEALTHCHECK [opts] CMD ...` → the command as Docker runs it (CMD-SHELL becomes sh -c). */
function healthcheckCommand(ins: Instruction): string[] {
  const m = /^CMD\s+(.*)$/s.exec(ins.args);
  if (!m) return [];
  const body = m[1] ?? '';
  return parseExec(body) ?? ['/bin/sh', '-c', body];
}
