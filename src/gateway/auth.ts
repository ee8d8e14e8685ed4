// Bearer-token checks with a constant-time comparison.
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares in time independent of where the strings differ (hashing first evens out lengths). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** True when no token is configured, or the header carries the configured one. */
export function isAuthorized(header: string | undefined, expected: string): boolean {
  if (expected === '') return true;
  const given = bearerToken(header);
  return given !== undefined && tokensEqual(given, expected);
}
