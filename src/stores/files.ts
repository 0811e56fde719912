/**
 * The default store: one file per secret in a directory, the Docker-secrets
 * layout (`docker/secrets/session_key`, mounted as `/run/secrets/session_key`).
 * Files are 0600, the directory 0700, values have no trailing newline.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { mapLimit } from '../lib/concurrency.js'
import { ioError } from '../lib/errors.js'
import type { Fingerprinter } from '../lib/fingerprint.js'
import {
  ensurePrivateDir,
  readEntryFile,
  removeStaleTempFiles,
  syncDir,
  writeFileAtomic,
} from '../lib/fs-safe.js'
import { assertMemberName } from '../lib/names.js'
import { capabilities } from './capabilities.js'
import { MetaFile } from './meta.js'
import { text } from './settings.js'
import type {
  BackingPath,
  SecretValue,
  Store,
  StoreDescriptor,
  StoredSecret,
  WriteEntry,
  WriteMeta,
} from './types.js'

const ENTRY = /^[a-z0-9_]+(\.pub)?$/

const CAPABILITIES = capabilities({ localFiles: true, secretFiles: true })

export class FilesStore implements Store {
  readonly kind = 'files'
  readonly capabilities = CAPABILITIES
  private readonly meta: MetaFile

  constructor(
    readonly location: string,
    private readonly fingerprint: Fingerprinter,
    /** make an existing directory hush did not create 0700 (`--adopt`) */
    private readonly adopt = false,
  ) {
    this.meta = new MetaFile(join(location, '.hush', 'meta.json'))
  }

  private pathOf(name: string): string {
    assertMemberName(name)
    return join(this.location, name)
  }

  private async entryNames(): Promise<string[]> {
    try {
      return (await fs.readdir(this.location)).filter((n) => ENTRY.test(n)).sort()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw ioError('list', this.location, err)
    }
  }

  async list(): Promise<StoredSecret[]> {
    const [names, meta] = await Promise.all([this.entryNames(), this.meta.load()])
    return mapLimit(names, 64, async (name) => {
      const known = meta[name]
      if (known) return known
      // a file put there by hand: describe it from the file itself (a link or a FIFO is not a value: check names it)
      const stat = await fs.lstat(this.pathOf(name))
      if (!stat.isFile()) return undefined
      const at = stat.mtime.toISOString()
      const value = await this.read(name)
      return { name, version: 1, fingerprint: this.fingerprint(value ?? ''), createdAt: at, updatedAt: at }
    }).then((all) => all.filter((s): s is StoredSecret => s !== undefined))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    return readEntryFile(this.pathOf(name))
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const [stored] = await this.writeMany([{ name, value, meta }])
    return stored!
  }

  async writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    if (entries.length === 0) return []
    for (const e of entries) assertMemberName(e.name)
    await ensurePrivateDir(this.location, { adopt: this.adopt })
    await removeStaleTempFiles(this.location)
    await mapLimit(entries, 16, (e) => writeFileAtomic(this.pathOf(e.name), e.value, { syncDir: false }))
    await syncDir(this.location)
    return this.meta.record(entries)
  }

  async remove(name: string): Promise<void> {
    const path = this.pathOf(name)
    try {
      await fs.rm(path, { force: true })
    } catch (err) {
      throw ioError('remove', path, err)
    }
    await this.meta.forget(name)
  }

  async backingPaths(): Promise<BackingPath[]> {
    const names = await this.entryNames()
    return [
      { path: this.location, type: 'dir' },
      ...names.map((name) => ({ path: join(this.location, name), type: 'file' as const, name })),
    ]
  }
}

export const filesStore: StoreDescriptor = {
  kind: 'files',
  summary: 'one 0600 file per secret in a directory (the Docker-secrets layout); the default',
  settings: { path: text.describe('the directory of values (default .secrets/<env>)') },
  capabilities: CAPABILITIES,
  defaultPath: (env) => `.secrets/${env}`,
  runtimeLayout: 'files',
  open: (settings, context) => new FilesStore(settings.path!, context.fingerprint, context.adopt),
}
