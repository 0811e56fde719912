/** Metadata file of a local store (`.hush/meta.json`): versions and fingerprints, never values. */
import { dirname } from 'node:path'
import { HushError } from '../lib/errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../lib/fs-safe.js'
import type { StoredSecret, WriteEntry } from './types.js'

interface MetaDocument {
  version: 1
  secrets: Record<string, StoredSecret>
}

export class MetaFile {
  constructor(readonly path: string) {}

  async load(): Promise<Record<string, StoredSecret>> {
    const text = await readIfExists(this.path)
    if (text === undefined) return {}
    try {
      const doc = JSON.parse(text) as MetaDocument
      if (doc.version === 1 && typeof doc.secrets === 'object' && doc.secrets) return doc.secrets
    } catch {}
    throw new HushError('HUSH_E_STORE_CORRUPT', `${this.path} is not a hush metadata file`, {
      hint: 'restore it from a backup or delete it; hush rebuilds metadata from the values (versions restart at 1)',
    })
  }

  /** True once hush has written metadata here (the store's files are hush's). */
  async exists(): Promise<boolean> {
    return (await readIfExists(this.path)) !== undefined
  }

  async save(secrets: Record<string, StoredSecret>): Promise<void> {
    await ensurePrivateDir(dirname(this.path))
    const doc: MetaDocument = { version: 1, secrets }
    await writeFileAtomic(this.path, `${JSON.stringify(doc, null, 1)}\n`)
  }

  /** Merge writes into the metadata, bumping the version of each entry whose fingerprint changed. */
  async record(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    const all = await this.load()
    const written = entries.map(({ name, meta }) => {
      const prev = all[name]
      const changed = prev?.fingerprint !== meta.fingerprint
      const next: StoredSecret = {
        name,
        version: prev ? prev.version + (changed ? 1 : 0) : 1,
        fingerprint: meta.fingerprint,
        createdAt: prev?.createdAt ?? meta.at,
        updatedAt: changed ? meta.at : (prev?.updatedAt ?? meta.at),
        rotatedAt: !prev || (changed && meta.rotated) ? meta.at : (prev.rotatedAt ?? prev.createdAt),
        source: meta.source,
      }
      all[name] = next
      return next
    })
    await this.save(all)
    return written
  }

  async forget(name: string): Promise<void> {
    const all = await this.load()
    if (!(name in all)) return
    delete all[name]
    await this.save(all)
  }
}
