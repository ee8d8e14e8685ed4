// The persistence actor: the single writer of the LMDB store, acknowledging each write once it is on disk.
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { untilAborted, type ActorContext } from '../actors/actor.js';
import { StoreWrite } from '../actors/messages.js';
import { firstProblem } from '../actors/mailbox.js';
import { AppError } from '../errors.js';
import { closeDbs, openDbs, stampSchemaVersion } from './lmdb.js';
import { applyOps } from './writes.js';

export const PersistenceOptions = Type.Object({ dataDir: Type.String(), mapSizeMb: Type.Integer({ minimum: 1 }) });
const checkOptions = TypeCompiler.Compile(PersistenceOptions);

function isMapFull(err: unknown): boolean {
  return err instanceof Error && /MDB_MAP_FULL|map ?full/i.test(err.message);
}

export default async function persistenceActor(ctx: ActorContext): Promise<void> {
  if (!checkOptions.Check(ctx.options)) throw new Error(`persistence actor options: ${firstProblem(checkOptions, ctx.options)}`);
  const dbs = openDbs(ctx.options.dataDir, ctx.options.mapSizeMb);
  await stampSchemaVersion(dbs);
  ctx.mailbox.handle('store.write', StoreWrite, async ({ ops }) => {
    try {
      return { results: await applyOps(dbs, ops) };
    } catch (err) {
      if (isMapFull(err)) {
        ctx.logger.error({ err }, 'store is full: refusing writes (raise storage.map_size_mb)');
        throw new AppError('storage_full', 'the message store is full; nothing was written (raise storage.map_size_mb)');
      }
      throw err;
    }
  });
  ctx.setState('up');
  await untilAborted(ctx.signal);
  await dbs.root.flushed;
  await closeDbs(dbs);
}
