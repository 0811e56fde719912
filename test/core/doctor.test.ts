import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { looksDoubleBase64 } from '../../src/core/doctor/doctor.js'

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64')

describe('doctor: double base64', () => {
  it('spots a value base64-encoded twice (the kubectl classic)', () => {
    expect(looksDoubleBase64(b64(b64('s3cret-database-password')))).toBe(true)
    expect(looksDoubleBase64(b64(b64(randomBytes(32))))).toBe(true)
  })

  it('leaves single encodings, hex and plain text alone', () => {
    expect(looksDoubleBase64(b64('0123456789abcdef0123456789abcdef'))).toBe(false)
    expect(looksDoubleBase64(b64(randomBytes(32)))).toBe(false)
    expect(looksDoubleBase64(randomBytes(16).toString('hex'))).toBe(false)
    expect(looksDoubleBase64('nemo_user')).toBe(false)
  })
})
