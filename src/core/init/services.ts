/** One compose service: the secrets it mounts, the `*_FILE` variables that read them, its `${VAR}` keys. */
import { type EnvKey, pushUnique } from './candidates.js'
import type { ComposeService } from './compose.js'
import { closest, type Links, SECRETS_DIR } from './link.js'
import { shown } from './names.js'

export interface ServiceCtx {
  links: Links
  /** compose secret keys already reported as unsafe */
  skipped: Set<string>
  warnings: string[]
  /** service → secret names it mounts (before keyring collapse) */
  mounted: Map<string, string[]>
  /** service → where its mounts appear in the container (`/run/secrets/<target>`) → secret name */
  targets: Map<string, Map<string, string>>
  envKeys: EnvKey[]
}

export function readService(
  svc: ComposeService,
  { links, skipped, warnings, mounted, targets: allTargets, envKeys }: ServiceCtx,
): void {
  // where a `*_FILE` path may point: `/run/secrets/<target>` or an absolute long-form target
  const targets = allTargets.get(svc.name) ?? new Map<string, string>()
  allTargets.set(svc.name, targets)
  const names = mounted.get(svc.name) ?? []
  for (const { source, target } of svc.mounts) {
    const name = links.byRaw.get(source)
    if (name === undefined) {
      if (!skipped.has(source))
        warnings.push(
          `service ${shown(svc.name)} mounts secret ${shown(source)}, which no compose file declares`,
        )
      continue
    }
    pushUnique(names, name)
    targets.set(target.startsWith('/') ? target : `${SECRETS_DIR}${target}`, name)
  }
  if (names.length > 0) mounted.set(svc.name, names)
  for (const fl of svc.fileLinks) {
    const where = `${fl.key} in service ${shown(svc.name)}`
    const name = fl.path === undefined ? undefined : links.secretAt(fl.path, targets)
    if (name === undefined) {
      const what = fl.path === undefined ? 'a variable without a default' : shown(fl.path)
      const guess = fl.path?.startsWith(SECRETS_DIR)
        ? closest(fl.path.slice(SECRETS_DIR.length), names)
        : undefined
      const hint = guess ? ` (did you mean ${SECRETS_DIR}${guess}?)` : ''
      warnings.push(`${where} points to ${what}, which no compose secret provides${hint}; not linked`)
      continue
    }
    if (!names.includes(name))
      warnings.push(`${where} reads secret ${name}, but the service does not mount it`)
    links.link(fl.envVar, name, where)
  }
  for (const ref of svc.refs)
    envKeys.push({
      key: ref.name,
      ...(ref.example !== undefined ? { example: ref.example } : {}),
      fromDotenv: false,
      where: `\${${ref.name}} in service ${shown(svc.name)}`,
    })
}
