// Opens the LMDB environment under storage.data_dir and its named databases; refuses data from a newer schema.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
  offsets: Database<number, string>;
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

export function openDbs(dataDir: string, mapSizeMb: number): StoreDbs {
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
