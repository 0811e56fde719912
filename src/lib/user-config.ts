/**
 * The per-user configuration directory of hush: `$XDG_CONFIG_HOME/hush` when XDG_CONFIG_HOME is an
 * absolute path (the XDG spec ignores a relative one), else `~/.config/hush`. It holds what must not
 * live in a project a teammate or a clone could write: the audit key and the audit anchors.
 */
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'

export function userConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && isAbsolute(xdg)) return join(xdg, 'hush')
  return join(env.HOME || homedir(), '.config', 'hush')
}
