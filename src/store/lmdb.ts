// Opens the LMDB environment under storage.data_dir and its named databases; refuses data from a newer schema.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { AllowRecord, PairingRecord, PendingRecord, SessionRecord, Turn, Usage } from './records.js';

export const SCHEMA_VERSION = 1;

export interface StoreDbs {
  root: RootDatabase;
  meta: Database<unknown, string>;
  sessions: Database<SessionRecord, string>;
  /** key [session, seq] */
  messages: Database<Turn, [string, number]>;
  /** key [session, seq] of unanswered user turns */
  pending: Database<PendingRecord, [string, number]>;
  /** key `${channel}:${externalId}` → [session, seq] of the stored turn */
  inbound: Database<[string, number], string>;
  offsets: Database<number | string, string>;
  /** key [channel, code] */
  pairing: Database<PairingRecord, [string, string]>;
  /** key [channel, userId] */
  allow: Database<AllowRecord, [string, string]>;
  /** key ['total'] | ['day', day] | ['session', id, day] */
  usage: Database<Usage, string[]>;
}

export class StoreVersionError extends Error {
  constructor(found: number, dir: string) {
    super(`the data in ${dir} has schema version ${found}, newer than this gateway understands (${SCHEMA_VERSION}); upgrade open-clanker or point storage.data_dir elsewhere`);
    this.name = 'StoreVersionError';
  }
}

/**
 * Open stores of this thread, one per data directory. Everything on a thread must share one: a second
 * root opening its databases (a synchronous write) while the first has an async transaction waiting for
 * this same thread's event loop blocks on LMDB's writer lock forever — the persistence actor and an
 * agent task on one worker deadlocked that way.
 */
const openStores = new Map<string, { dbs: StoreDbs; users: number }>();

/** The thread's store for `dataDir`, opened on first use; pair each call with closeDbs(). */
export function openDbs(dataDir: string, mapSizeMb: number): StoreDbs {
  const key = resolve(dataDir);
  const shared = openStores.get(key);
  // A root closed directly (root.close() rather than closeDbs) is not handed out again.
  if (shared && (shared.dbs.root as { status?: unknown }).status !== 'closed') {
    shared.users++;
    return shared.dbs;
  }
  const dbs = openNew(dataDir, mapSizeMb);
  openStores.set(key, { dbs, users: 1 });
  return dbs;
}

/** Releases one openDbs(); the last user of the thread closes the environment. */
export async function closeDbs(dbs: StoreDbs): Promise<void> {
  for (const [key, shared] of openStores) {
    if (shared.dbs !== dbs) continue;
    if (--shared.users > 0) return;
    openStores.delete(key);
    break;
  }
  await dbs.root.close();
}

function openNew(dataDir: string, mapSizeMb: number): StoreDbs {
  mkdirSync(dataDir, { recursive: true });
  const root = open({ path: join(dataDir, 'clanker.lmdb'), mapSize: mapSizeMb * 1024 * 1024, maxDbs: 16 });
  const db = <V, K extends string | number | (string | number)[]>(name: string) => root.openDB<V, K>({ name, encoding: 'msgpack' });
  const dbs: StoreDbs = {
    root,
    meta: db('meta'),
    sessions: db('sessions'),
    messages: db('messages'),
    pending: db('pending'),
    inbound: db('inbound'),
    offsets: db('offsets'),
    pairing: db('pairing'),
    allow: db('allow'),
    usage: db('usage'),
  };
  const found = dbs.meta.get('schema_version');
  if (typeof found === 'number' && found > SCHEMA_VERSION) {
    root.close();
    throw new StoreVersionError(found, dataDir);
  }
  return dbs;
}

/** Records the schema version the first time the store is written by the persistence actor. */
export async function stampSchemaVersion(dbs: StoreDbs): Promise<void> {
  if (dbs.meta.get('schema_version') === undefined) await dbs.meta.put('schema_version', SCHEMA_VERSION);
}
