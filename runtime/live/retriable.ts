// Calls to a broker that may have just started again (a fault, or a run stopped mid-fault):
// it answers "not the leader" or "the coordinator is loading" for a while, which kafkajs
// marks retriable. Such a call is made again, a second apart, until `ms` has passed.
export async function whileRetriable<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
