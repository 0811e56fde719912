/** replace: the new value becomes current at PROMOTED; derived secrets follow. */
import type { Strategy } from './types.js'

export const replace: Strategy = {
  name: 'replace',
  apply: async () => ({}),
  verify: async () => {},
  promoted: (spec, value) => ({ [spec.name]: value }),
  async promote(spec, entries, value) {
    // written even when the value reads back already: a resumed step finishes a write cut off before its labels
    await entries.write(spec.name, value, true)
  },
  revoke: async () => ({}),
  abort: async () => {},
  // a server rotator keeps the old credential valid through the grace window
  graceMs: (spec, hasRotator) => (hasRotator ? (spec.rotation?.graceMs ?? 0) : 0),
  notes: { plan: 'replace: new value at PROMOTED, derived secrets recomputed' },
}
