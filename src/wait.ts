// Bounded waits: shutdown and drain steps wait for work in flight, but never longer than their share of the budget.

/**
 * Resolves once `promise` settles (either way: the caller only waits, the owner handles errors) or after `ms`,
 * whichever comes first. The timer is cleared when the promise wins and never keeps the process alive.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  const settled = promise.then(() => undefined, () => undefined);
  try {
    await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}
