/**
 * keyring: APPLIED puts the new key in `<name>_previous` (verify set = old primary + new),
 * PROMOTED makes it primary and the old primary previous, REVOKED (after `grace`) drops the old key.
 */
import { HushError } from '../../../lib/errors.js'
import type { SecretSpec } from '../../manifest/types.js'
import type { Entries, Strategy } from './types.js'

const previous = (spec: SecretSpec) => `${spec.name}_previous`
const primary = (spec: SecretSpec) => `${spec.name}_primary`

/** `<name>_previous` holds `value` (written only when it does not already). */
async function previousHolds(spec: SecretSpec, entries: Entries, value: string): Promise<void> {
  if ((await entries.read(previous(spec))) !== value) await entries.write(previous(spec), value, false)
}

export const keyring: Strategy = {
  name: 'keyring',
  async apply(spec, entries, value) {
    // the new key joins the verify set before anyone signs with it
    await previousHolds(spec, entries, value)
    return { [previous(spec)]: value }
  },
  async verify(spec, entries, value) {
    if ((await entries.read(previous(spec))) !== value)
      throw new HushError('HUSH_E_IO', `${previous(spec)} does not hold the new key after APPLIED`, {
        hint: `something else wrote it; run hush rotate ${spec.name} --resume`,
      })
  },
  promoted(spec, value, current) {
    return {
      [previous(spec)]: current ?? value,
      [primary(spec)]: value,
      ...(spec.rotation?.mirror !== false ? { [spec.name]: value } : {}),
    }
  },
  async promote(spec, entries, value, current) {
    if (current !== value) {
      // order matters: old primary → previous first, so the verify set never loses it
      await entries.write(previous(spec), current ?? value, false)
      await entries.write(primary(spec), value, true)
    }
    // a promotion cut off after writing the primary still owes the mirror
    if (spec.rotation?.mirror !== false && (await entries.read(spec.name)) !== value)
      await entries.write(spec.name, value, true)
  },
  async revoke(spec, entries, value) {
    await previousHolds(spec, entries, value)
    return { [previous(spec)]: value }
  },
  async abort(spec, entries) {
    const current = await entries.read(primary(spec))
    if (current !== undefined) await previousHolds(spec, entries, current)
  },
  graceMs: (spec) => spec.rotation?.graceMs ?? 0,
  notes: {
    applied: 'now verifies the new key',
    revoked: 'the old key no longer verifies',
    plan: 'keyring: new key verifies first (APPLIED), signs at PROMOTED, old key dropped after grace',
  },
}
