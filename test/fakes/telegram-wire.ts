/** Bot API wire details for the fake Telegram: error shape, request parameter decoding, typed parameter reads. */
import type { IncomingMessage } from 'node:http';

export type Params = Record<string, unknown>;

/** A Bot API failure: becomes `{ ok: false, error_code, description, parameters? }` with the same HTTP status. */
export class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

export const badRequest = (what: string): BotApiError => new BotApiError(400, `Bad Request: ${what}`);

const isRecord = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Decodes a call's parameters the way the Bot API accepts them: query string, JSON, urlencoded or
 * multipart form. Form values stay strings (objects as JSON text); the typed readers below coerce.
 * Uploaded files are recorded as `{ filename, size }`.
 */
export async function readParams(req: IncomingMessage, query: URLSearchParams): Promise<Params> {
  const params: Params = Object.fromEntries(query);
  const raw = await readBody(req);
  if (raw.length === 0) return params;
  const contentType = req.headers['content-type'] ?? '';
  const kind = contentType.split(';')[0]?.trim().toLowerCase();
  if (kind === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON encoded request");
    }
    if (!isRecord(parsed)) throw badRequest('JSON request must be an object');
    return { ...params, ...parsed };
  }
  if (kind === 'multipart/form-data' || kind === 'application/x-www-form-urlencoded') {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw badRequest("can't parse request body");
    }
    for (const [key, value] of form) {
      params[key] = typeof value === 'string' ? value : { filename: value.name, size: value.size };
    }
  }
  return params;
}

export function intParam(p: Params, key: string): number | undefined {
  const v = p[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function stringParam(p: Params, key: string): string | undefined {
  const v = p[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function boolParam(p: Params, key: string): boolean {
  const v = p[key];
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** Objects and arrays arrive as JSON text in form bodies; this reads either form. */
export function jsonParam(p: Params, key: string): unknown {
  const v = p[key];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function recordParam(p: Params, key: string): Params | undefined {
  const v = jsonParam(p, key);
  return isRecord(v) ? v : undefined;
}

/** Reads chat_id: an integer (or its decimal text); `@channel` names are not modelled and fail as unknown chats. */
export function chatIdParam(p: Params): number {
  if (p.chat_id === undefined || p.chat_id === '') throw badRequest('chat_id is empty');
  const id = intParam(p, 'chat_id');
  if (id === undefined || !Number.isInteger(id)) throw badRequest('chat not found');
  return id;
}
