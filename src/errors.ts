// The error codes every surface shares (HTTP, WebSocket, thread messages), mapped to statuses in one table.

export const ERROR_STATUS = {
  bad_request: 400,
  bad_frame: 400,
  bad_params: 400,
  bad_json: 400,
  unknown_method: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  rate_limited: 429,
  budget_exceeded: 429,
  internal: 500,
  provider_unavailable: 502,
  busy: 503,
  storage_full: 507,
  not_ready: 503,
  overloaded: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/** An error meant for the client: its message is safe to show (no secrets, no stack, no internals). */
export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly retryAfterSec?: number) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Any thrown value as an AppError; unexpected ones become a generic `internal` error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'internal error');
}
