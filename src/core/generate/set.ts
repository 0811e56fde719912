/** `hush set`: store a value a person supplies, after checking it. */
import { HushError } from '../../lib/errors.js'
import { placeholderReason } from '../../lib/placeholder.js'
import { weakness } from '../check/content.js'
import { isKeyring } from '../manifest/members.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { type GenRow, gen } from './gen.js'

export interface SetResult {
  readonly secret: string
  readonly env: string
  readonly fingerprint: string
  readonly previousFingerprint?: string
  readonly version: number
  /** derived secrets recomputed from the new value */
  readonly derived: GenRow[]
}

export function settableSpec(project: Project, name: string): SecretSpec {
  const spec = project.manifest.byName.get(name)
  if (!spec)
    throw new HushError(
      'HUSH_E_UNKNOWN_SECRET',
      `secret "${name}" is not declared in ${project.manifest.file}`,
      {
        hint: `add it under secrets: (e.g. \`${name}: { provide: true }\`) and run the command again`,
      },
    )
  if (spec.source === 'derived' || spec.source === 'fixed')
    throw new HushError(
      'HUSH_E_NOT_SETTABLE',
      `${name} is ${spec.source} by the manifest and cannot be set`,
      {
        hint:
          spec.source === 'derived'
            ? 'set its inputs instead; hush gen recomputes it'
            : 'edit its value: in hush.yaml',
      },
    )
  if (isKeyring(spec))
    throw new HushError('HUSH_E_NOT_SETTABLE', `${name} is a key ring (primary and previous keys)`, {
      hint: `rotate it instead: hush rotate ${name}`,
    })
  return spec
}

export async function setSecret(
  project: Project,
  name: string,
  value: string,
  options: { allowPlaceholder?: boolean } = {},
): Promise<SetResult> {
  const spec = settableSpec(project, name)
  if (value.length === 0)
    throw new HushError('HUSH_E_INPUT', `refusing an empty value for ${name}`, {
      hint: 'give the value on stdin or at the prompt',
    })
  if (spec.pattern && !spec.pattern.test(value))
    throw new HushError(
      'HUSH_E_INPUT',
      `the value for ${name} does not match the pattern /${spec.pattern.source}/`,
      {
        hint: 'check that you pasted the right value (the pattern is in hush.yaml)',
      },
    )
  // a value for a generated secret must be as strong as its generator makes them (check says so too, later)
  const weak = spec.source === 'generated' ? weakness(spec.generator, value) : undefined
  if (weak)
    throw new HushError('HUSH_E_INPUT', `the value for ${name} ${weak}`, {
      hint: `give a random value as strong as its generate: in hush.yaml asks, or let hush make one: hush gen ${name} --force`,
    })
  const placeholder = placeholderReason(value)
  if (placeholder && !options.allowPlaceholder)
    throw new HushError('HUSH_E_INPUT', `the value for ${name} ${placeholder}`, {
      hint: 'paste the real value, or pass --allow-placeholder to store it anyway',
    })
  const { store, fingerprint } = project
  const env = project.environment.name
  const at = project.world.now().toISOString()
  const before = await store.read(name)
  const fp = fingerprint(value)
  const stored = await project.audit.recorded(
    [{ action: 'set', secret: name, env, fp }],
    project.actor,
    at,
    () =>
      store.write(name, value, {
        fingerprint: fp,
        source: spec.source === 'provided' ? 'provided' : 'generated',
        at,
        rotated: true,
      }),
  )
  const derived = (await gen(project, { names: [name] })).rows.filter(
    (r) => r.secret !== name && r.action !== 'keep',
  )
  return {
    secret: name,
    env,
    fingerprint: fp,
    ...(before !== undefined ? { previousFingerprint: fingerprint(before) } : {}),
    version: stored.version,
    derived,
  }
}
