/** SARIF 2.1.0 rendering of check and scan findings, for code-scanning dashboards. */
import { relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { CheckResult } from '../../core/check/index.js'
import { CODE_DESCRIPTIONS, FINDING_CODES } from '../../core/check/types.js'
import { BUILTIN_RULES } from '../../core/scan/rules.js'
import type { ScanFinding } from '../../core/scan/scan.js'

interface SarifRule {
  readonly id: string
  readonly description: string
}

/** The SARIF 2.1.0 log around one run of hush with these rules and results. */
function sarifLog(version: string, rules: readonly SarifRule[], run: Record<string, unknown>): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hush',
            version,
            informationUri: 'https://www.npmjs.com/package/hush',
            rules: rules.map((r) => ({ id: r.id, name: r.id, shortDescription: { text: r.description } })),
          },
        },
        ...run,
      },
    ],
  }
}

export function toSarif(result: CheckResult, root: string, version: string): object {
  const rules = FINDING_CODES.map((code) => ({ id: code, description: CODE_DESCRIPTIONS[code] }))
  return sarifLog(version, rules, {
    results: result.findings.map((f) => ({
      ruleId: f.code,
      ruleIndex: FINDING_CODES.indexOf(f.code),
      level: f.severity,
      message: { text: `${f.message}. Fix: ${f.hint}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: relative(root, f.path ?? `${root}/hush.yaml`) } },
          logicalLocations: [{ name: f.secret || f.env, kind: 'member' }],
        },
      ],
      properties: { secret: f.secret, env: f.env },
    })),
  })
}

/** A relative path as a URI reference: each segment percent-encoded (spaces, `#`, control characters). */
function relativeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/** SARIF 2.1.0 rendering of scan findings (redacted previews and ids only). */
export function scanSarif(findings: readonly ScanFinding[], root: string, version: string): object {
  const rules = [
    ...BUILTIN_RULES.map((r) => ({ id: r.id, description: r.description })),
    { id: 'known-value', description: "one of the project's own secret values, in some encoding" },
  ]
  const extra = [...new Set(findings.map((f) => f.rule))].filter((id) => !rules.some((r) => r.id === id))
  for (const id of extra) rules.push({ id, description: 'a rule from hush.yaml scan.rules' })
  return sarifLog(version, rules, {
    originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(root).href.replace(/\/?$/, '/')}` } },
    results: findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: rules.findIndex((r) => r.id === f.rule),
      level: 'error',
      message: { text: `${f.rule}: ${f.preview}${f.commit ? ` (introduced in ${f.commit})` : ''}` },
      partialFingerprints: { hushFindingId: f.id },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(f.file), uriBaseId: 'SRCROOT' },
            region: { startLine: f.line, startColumn: f.column },
          },
        },
      ],
    })),
  })
}
