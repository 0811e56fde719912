/**
 * Compose overrides that stay true. `hush export compose -o FILE` writes one and remembers it; push
 * and rotation rewrite the remembered overrides of their environment after they change which swarm
 * versions exist or which ones services use, so a `docker stack deploy` with the override never
 * names a deleted version, nor moves a service back to a superseded one.
 */
import { mkdir } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import { assertConfined, isInside } from '../../lib/confine.js'
import { HushError } from '../../lib/errors.js'
import { readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import type { Project } from '../project.js'
import { type ComposeOverride, composeDocument, type SentFingerprints } from './compose.js'
import { overridePath, recordedOverrides, saveOverrides } from './override-registry.js'

/** An override names files and swarm objects, never values: readable like any compose file. */
const OVERRIDE_MODE = 0o644

/**
 * Write the override of the project's environment to `path` (absolute) and remember it when it is
 * inside the project; one outside is written (the person at the keyboard named it) but never
 * rewritten later. `shown` is the name its header uses when it is outside.
 */
export async function writeOverride(
  project: Project,
  path: string,
  shown: string,
): Promise<{ override: ComposeOverride; remembered: boolean }> {
  const root = project.manifest.root
  assertConfined(root, path, 'the override (-o)', true) // never into .git/ or .hush/, never onto hush.yaml
  const remembered = isInside(root, path)
  const rel = relative(root, path)
  const { override, text } = await composeDocument(project, path, {
    shown: remembered ? rel : shown,
    remembered,
  })
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, text, { mode: OVERRIDE_MODE })
  if (remembered)
    await project.locked(async () => {
      const others = (await recordedOverrides(project)).filter((r) => r.path !== rel)
      await saveOverrides(project, [...others, { path: rel, env: project.environment.name }])
    })
  return { override, remembered }
}

function reason(err: unknown): string {
  return err instanceof HushError ? `[${err.code}] ${err.message}` : String((err as Error)?.message ?? err)
}

/**
 * Rewrite each remembered override of the project's environment whose content would change (same
 * generator and header as `hush export compose`), atomically; forget those the user deleted. A
 * rewrite that fails throws HUSH_E_DISTRIBUTE naming the file, so the caller fails instead of
 * leaving it stale. `sent`: the fingerprints a rotation step just brought the target to, which the
 * environment's store may not hold yet (DISTRIBUTED comes before PROMOTED). Returns a note for
 * progress output, or undefined when nothing changed.
 */
export async function refreshOverrides(
  project: Project,
  sent?: SentFingerprints,
): Promise<string | undefined> {
  const env = project.environment.name
  const records = await recordedOverrides(project)
  const rewritten: string[] = []
  const gone: string[] = []
  for (const record of records.filter((r) => r.env === env)) {
    const path = overridePath(project, record)
    try {
      // .hush/overrides.json is state, not input hush trusts blindly: the path must stay in the project
      assertConfined(project.manifest.root, path, `the remembered override ${record.path}`)
      const before = await readIfExists(path)
      if (before === undefined) {
        gone.push(record.path)
        continue
      }
      const { text } = await composeDocument(project, path, {
        shown: record.path,
        remembered: true,
        ...(sent ? { sent } : {}),
      })
      if (text === before) continue
      await writeFileAtomic(path, text, { mode: OVERRIDE_MODE })
      rewritten.push(record.path)
    } catch (err) {
      throw new HushError(
        'HUSH_E_DISTRIBUTE',
        `the compose override ${record.path} could not be rewritten: ${reason(err)}`,
        {
          hint: `it still names the versions from before: fix the cause, then hush export compose -e ${env} -o ${record.path} (or delete the file, and hush forgets it)`,
          cause: err,
        },
      )
    }
  }
  if (gone.length > 0)
    await saveOverrides(
      project,
      records.filter((r) => r.env !== env || !gone.includes(r.path)),
    )
  const notes = [
    ...(rewritten.length > 0 ? [`compose override rewritten: ${rewritten.join(', ')}`] : []),
    ...(gone.length > 0 ? [`compose override deleted, forgotten: ${gone.join(', ')}`] : []),
  ]
  return notes.join('; ') || undefined
}
