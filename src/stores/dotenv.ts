/**
 * A `.env` file as a store. Keys are the secrets' env names; writing keeps
 * comments, order and unrelated keys, and quotes values so that the `dotenv`
 * package parses back exactly what was written. Metadata lives in
 * `.hush/<file>.meta.json` beside the file.
 */

import { promises as fs } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseDotenv, removeDotenv, toRecord, upsertDotenv } from '../lib/dotenv-format.js'
import { HushError } from '../lib/errors.js'
import { readIfExists, writeFileAtomic } from '../lib/fs-safe.js'
import { assertMemberName, envNameOf as defaultEnvNameOf } from '../lib/names.js'
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

/** Maps a store entry (`jwt_secret_primary`, `signing_key.pub`) to its key in the file. */
export type EnvNameOf = (name: string) => string

const CAPABILITIES = capabilities({ localFiles: true })

export class DotenvStore implements Store {
  readonly kind = 'dotenv'
  readonly capabilities = CAPABILITIES
  private readonly meta: MetaFile

  constructor(
    readonly location: string,
    private readonly envNameOf: EnvNameOf = defaultEnvNameOf,
    /** take over an existing file hush did not create (`--adopt`) */
    private readonly adopt = false,
  ) {
    this.meta = new MetaFile(join(dirname(location), '.hush', `${basename(location)}.meta.json`))
  }

  private async values(): Promise<Record<string, string>> {
    return toRecord(parseDotenv((await readIfExists(this.location)) ?? ''))
  }

  async list(): Promise<StoredSecret[]> {
    const [meta, values] = await Promise.all([this.meta.load(), this.values()])
    // only entries hush wrote are listed: the file may hold unrelated keys
    return Object.values(meta).filter((m) => this.envNameOf(m.name) in values)
  }

  async read(name: string): Promise<SecretValue | undefined> {
    assertMemberName(name)
    return (await this.values())[this.envNameOf(name)]
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const [stored] = await this.writeMany([{ name, value, meta }])
    return stored!
  }

  async writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    if (entries.length === 0) return []
    const existing = await readIfExists(this.location)
    if (existing !== undefined && !this.adopt && !(await this.meta.exists()))
      throw new HushError('HUSH_E_UNSAFE_PATH', `${this.location} exists and was not written by hush`, {
        hint: 'hush edits only a .env it created: pass --adopt once to let it manage its keys in this file (comments and other keys are kept), or use a new file',
      })
    let text = existing ?? ''
    for (const e of entries) {
      assertMemberName(e.name)
      text = upsertDotenv(text, this.envNameOf(e.name), e.value)
    }
    // the .env file usually sits in the project directory, whose mode is not ours to change
    await fs.mkdir(dirname(this.location), { recursive: true, mode: 0o700 })
    await writeFileAtomic(this.location, text)
    return this.meta.record(entries)
  }

  async remove(name: string): Promise<void> {
    assertMemberName(name)
    if (!(await this.meta.exists())) return // hush wrote nothing to this file
    const text = await readIfExists(this.location)
    if (text !== undefined) await writeFileAtomic(this.location, removeDotenv(text, this.envNameOf(name)))
    await this.meta.forget(name)
  }

  async backingPaths(): Promise<BackingPath[]> {
    const exists = (await readIfExists(this.location)) !== undefined
    return exists ? [{ path: this.location, type: 'file' }] : []
  }
}

export const dotenvStore: StoreDescriptor = {
  kind: 'dotenv',
  summary: 'a .env file; comments, order and unrelated keys are kept',
  settings: { path: text.describe('the .env file (default .env)') },
  capabilities: CAPABILITIES,
  defaultPath: () => '.env',
  runtimeLayout: 'dotenv',
  open: (settings, context) => new DotenvStore(settings.path!, context.envNameOf, context.adopt),
}
