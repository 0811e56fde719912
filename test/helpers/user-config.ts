/**
 * Vitest setup: every test file gets its own user config directory (the audit key and anchors live
 * there), so no test reads or writes the real ~/.config/hush. The CLI and project helpers pass it on.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'hush-config-'))
