// What the supervisor needs to start the persistence actor, apart from the gateway code: `clanker serve` starts
// it right after the pool, so its worker loads LMDB and opens the store while the main thread loads the gateway.
import type { Config } from '../config/schema.js';
import type { ActorSpec } from '../actors/supervisor.js';

const PERSISTENCE_MODULE = new URL('./persistence-actor.js', import.meta.url).href;

export function persistenceSpec(storage: Config['storage']): ActorSpec {
  return {
    name: 'store', module: PERSISTENCE_MODULE, capacity: 4096,
    options: { dataDir: storage.data_dir, mapSizeMb: storage.map_size_mb, sessionTtlDays: storage.session_ttl_days },
  };
}
