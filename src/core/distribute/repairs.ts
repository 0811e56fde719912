/**
 * Mirrors left behind: when a rotation is aborted while a `distribute_to` mirror cannot be
 * reached, the local store is restored and the mirror is recorded here (`.hush/repairs.json`,
 * names only). `hush status` shows it, and the next `hush push` to that mirror repairs it and
 * clears the record.
 */
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'

export interface Repair {
  /** the environment whose values the mirror should hold */
  readonly env: string
  /** the `distribute_to` environment that may hold other values */
  readonly mirror: string
  readonly entries: readonly string[]
  /** what left it behind, e.g. "abort of job 20260101T000000-42" */
  readonly cause: string
  /** the error code the mirror answered with */
  readonly code: string
  readonly at: string
}

const isRepair = (r: unknown): r is Repair => {
  const o = r as Record<string, unknown> | null
  const strings = ['env', 'mirror', 'cause', 'code', 'at'] as const
  return (
    typeof o === 'object' &&
    o !== null &&
    strings.every((k) => typeof o[k] === 'string') &&
    Array.isArray(o.entries) &&
    o.entries.every((e) => typeof e === 'string')
  )
}

export class Repairs {
  private readonly file: string

  /** `locked`: the project's lock, held while a record or a clear reads and rewrites the file */
  constructor(
    private readonly stateDir: string,
    private readonly locked: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
  ) {
    this.file = join(stateDir, 'repairs.json')
  }

  async list(env?: string): Promise<Repair[]> {
    const text = await readIfExists(this.file)
    if (text === undefined) return []
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      doc = undefined
    }
    const list = (doc as { repairs?: unknown } | null)?.repairs
    if (!Array.isArray(list) || !list.every(isRepair))
      throw new HushError('HUSH_E_STORE_CORRUPT', `${this.file} is not a list of mirror repairs`, {
        hint: 'delete it and run hush push to bring every mirror up to date',
      })
    return env === undefined ? list : list.filter((r) => r.env === env)
  }

  /** Note a mirror as needing repair (one record per env and mirror; entries accumulate). */
  record(repair: Repair): Promise<void> {
    return this.locked(async () => {
      const all = await this.list()
      const same = all.find((r) => r.env === repair.env && r.mirror === repair.mirror)
      const entries = [...new Set([...(same?.entries ?? []), ...repair.entries])].sort()
      await this.save([...all.filter((r) => r !== same), { ...repair, entries }])
    })
  }

  /** The mirror holds `env`'s values again. */
  clear(env: string, mirror: string): Promise<boolean> {
    return this.locked(async () => {
      const all = await this.list()
      const rest = all.filter((r) => !(r.env === env && r.mirror === mirror))
      if (rest.length === all.length) return false
      await this.save(rest)
      return true
    })
  }

  private async save(repairs: readonly Repair[]): Promise<void> {
    await ensurePrivateDir(this.stateDir)
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, repairs }, null, 2)}\n`)
  }
}
