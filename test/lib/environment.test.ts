import { describe, expect, it } from 'vitest'
import { DEFAULT_ENVIRONMENT, defaultEnvironment } from '../../src/lib/environment.js'
import { chainContext } from '../../src/runtime/resolve.js'

describe('defaultEnvironment', () => {
  it('takes the explicit name first, then HUSH_ENV, then development', () => {
    expect(defaultEnvironment('production', { HUSH_ENV: 'staging' })).toBe('production')
    expect(defaultEnvironment(undefined, { HUSH_ENV: 'staging' })).toBe('staging')
    expect(defaultEnvironment(undefined, {})).toBe(DEFAULT_ENVIRONMENT)
    expect(DEFAULT_ENVIRONMENT).toBe('development')
  })

  it('counts an empty string as unset, for the flag and for HUSH_ENV', () => {
    expect(defaultEnvironment(undefined, { HUSH_ENV: '' })).toBe('development')
    expect(defaultEnvironment('', { HUSH_ENV: 'staging' })).toBe('staging')
    expect(defaultEnvironment('', { HUSH_ENV: '' })).toBe('development')
  })

  it('is the rule the runtime follows too', () => {
    expect(chainContext({ HUSH_ENV: '' }, '/').projectEnv).toBe('development')
    expect(chainContext({ HUSH_ENV: 'staging' }, '/').projectEnv).toBe('staging')
  })
})
