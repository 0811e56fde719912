import type { Store, StoredSecret, WriteEntry } from './types.js'

/**
 * writeMany for remote stores without a batch call: one write after another, in order. A failure
 * stops there; what was written stays written, and every write is idempotent, so running the same
 * writes again finishes the job without a second version.
 */
export async function writeEach(
  store: Pick<Store, 'write'>,
  entries: readonly WriteEntry[],
): Promise<StoredSecret[]> {
  const out: StoredSecret[] = []
  for (const e of entries) out.push(await store.write(e.name, e.value, e.meta))
  return out
}
