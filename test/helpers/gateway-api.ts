// Small HTTP calls the runtime e2e tests make against a running gateway: readiness and a session's stored history.
export interface StoredTurn { seq: number; role: 'user' | 'assistant'; text: string }

/** Resolves once GET /ready answers 200 (the store actor is up); bounded. */
export async function waitReady(url: string, ms = 30_000): Promise<void> {
  let ready = false;
  const deadline = Date.now() + ms;
  while (!ready && Date.now() < deadline) {
    const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    ready = res?.status === 200;
    await res?.text();
    if (!ready) await new Promise((r) => setTimeout(r, 50));
  }
  if (!ready) throw new Error(`${url}/ready did not answer 200 within ${ms} ms`);
}

/** Every stored turn of a session, oldest first ([] when the session does not exist). */
export async function storedHistory(url: string, session: string): Promise<StoredTurn[]> {
  const res = await fetch(`${url}/api/sessions/${encodeURIComponent(session)}/messages?limit=1000`, { signal: AbortSignal.timeout(5000) });
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`history of ${session}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { messages: StoredTurn[] }).messages;
}

/** Polls a session's history until `done` holds for it; returns that history. */
export async function historyUntil(url: string, session: string, done: (turns: StoredTurn[]) => boolean, what: string, ms = 60_000): Promise<StoredTurn[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const turns = await storedHistory(url, session);
    if (done(turns)) return turns;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; the history has ${turns.length} turns`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
