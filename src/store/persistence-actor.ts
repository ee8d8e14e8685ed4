// The persistence actor: the single writer of the LMDB store, acknowledging each write once it is on disk.
import { Type, TypeCompiler } from '../vendor/typebox.js';
import { untilAborted, type ActorContext } from '../actors/actor.js';
import { StoreWrite, type StoreOp, type StoreOpResult } from '../actors/messages.js';
import { firstProblem } from '../actors/mailbox.js';
import { AppError } from '../errors.js';
import { closeDbs, openDbs, stampSchemaVersion } from './lmdb.js';
import { applyOps } from './writes.js';
import { RoomGuard } from './capacity.js';
import { startExpirySweeps } from './expiry.js';

export const PersistenceOptions = Type.Object({
  dataDir: Type.String(), mapSizeMb: Type.Integer({ minimum: 1 }), sessionTtlDays: Type.Integer({ minimum: 0 }),
});
const checkOptions = TypeCompiler.Compile(PersistenceOptions);

function isMapFull(err: unknown): boolean {
  return err instanceof Error && /MDB_MAP_FULL|map ?full/i.test(err.message);
}

export default async function persistenceActor(ctx: ActorContext): Promise<void> {
  if (!checkOptions.Check(ctx.options)) throw new Error(`persistence actor options: ${firstProblem(checkOptions, ctx.options)}`);
  const { dataDir, mapSizeMb, sessionTtlDays } = ctx.options;
  const dbs = openDbs(dataDir, mapSizeMb);
  await stampSchemaVersion(dbs);
  // Logged when the store becomes full and when it has room again, not on every refused write.
  const room = new RoomGuard(dbs.root, mapSizeMb * 1024 * 1024, (refusal) => {
    if (refusal) ctx.logger.error({ limitMb: mapSizeMb }, `${refusal.message}: refusing new messages`);
    else ctx.logger.info('the message store has room again');
  });
  /** Every write goes through the size guard, the actor's own (retention sweeps) too. */
  const write = async (ops: StoreOp[]): Promise<StoreOpResult[]> => {
    const reserved = room.admit(ops);
    try {
      return await applyOps(dbs, ops);
    } finally {
      room.settled(reserved);
    }
  };
  ctx.mailbox.handle('store.write', StoreWrite, async ({ ops }) => {
    try {
      return { results: await write(ops) };
    } catch (err) {
      if (!isMapFull(err)) throw err;
      const refusal = new AppError('storage_full', 'the message store is full; nothing was written (raise storage.map_size_mb)');
      room.markFull(refusal);
      throw refusal;
    }
  });
  ctx.setState('up');
  const sweeps = sessionTtlDays > 0 ? startExpirySweeps(write, sessionTtlDays, ctx.logger) : undefined;
  await untilAborted(ctx.signal);
  await sweeps?.stop();
  await dbs.root.flushed;
  await closeDbs(dbs);
}
