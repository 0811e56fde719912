/** `<stem>_primary` + `<stem>_previous` (+ a bare `<stem>`) are one keyring secret `<stem>`, as seed 000 lays them out. */
import { type Candidate, type Candidates, pushUnique } from './candidates.js'

/**
 * Replace each keyring's member candidates by one `<stem>` candidate, in the
 * position of its first member. `isSecretish(stem)` keeps pairs of plain
 * settings (`COLOR_PRIMARY` / `COLOR_PREVIOUS`) apart when compose declares neither.
 * Returns the collapsed set and member → keyring name.
 */
export function collapseKeyrings(
  all: Candidates,
  isSecretish: (stem: string) => boolean,
): { candidates: Candidates; memberOf: Map<string, string> } {
  const memberOf = new Map<string, string>()
  const groups = new Map<string, Candidate[]>()
  for (const name of all.keys()) {
    const stem = name.endsWith('_primary') ? name.slice(0, -'_primary'.length) : ''
    const members = [name, `${stem}_previous`, stem].filter((m) => all.has(m))
    if (!stem || members.length < 2 || !members.includes(`${stem}_previous`)) continue
    if (members.some((m) => memberOf.has(m))) continue
    const found = members.map((m) => all.get(m)!)
    if (!found.some((c) => c.declared) && !isSecretish(stem)) continue
    for (const m of members) memberOf.set(m, stem)
    groups.set(stem, found)
  }
  const candidates: Candidates = new Map()
  for (const [name, c] of all) {
    const stem = memberOf.get(name)
    if (stem === undefined) candidates.set(name, c)
    else if (!candidates.has(stem)) candidates.set(stem, merge(stem, groups.get(stem)!))
  }
  return { candidates, memberOf }
}

function merge(stem: string, members: Candidate[]): Candidate {
  const bare = members.find((c) => c.name === stem)
  const keyring: Candidate = {
    name: stem,
    declared: members.some((c) => c.declared),
    envVars: [...(bare?.envVars ?? [])],
    keys: [],
    from: [],
    notes: [],
    keyring: { mirror: bare !== undefined },
  }
  for (const c of members) {
    pushUnique(keyring.from, ...c.from)
    pushUnique(keyring.notes, ...c.notes)
    pushUnique(keyring.keys, ...c.keys)
  }
  keyring.notes.push(
    `keyring: store entries ${stem}_primary, ${stem}_previous${bare ? ` and ${stem} (a copy of the primary)` : ''}`,
  )
  return keyring
}
