/** SARIF 2.1.0 rendering of check findings, for code-scanning dashboards. */
import { relative } from 'node:path'
import type { CheckResult } from '../../core/check/index.js'
import { CODE_DESCRIPTIONS, FINDING_CODES } from '../../core/check/types.js'

export function toSarif(result: CheckResult, root: string, version: string): object {
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
            rules: FINDING_CODES.map((code) => ({
              id: code,
              name: code,
              shortDescription: { text: CODE_DESCRIPTIONS[code] },
            })),
          },
        },
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
      },
    ],
  }
}
