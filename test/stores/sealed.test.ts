import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decrypt, generateKey } from '../../src/lib/age.js'
import { parseBundle, signatureState } from '../../src/lib/sealed-bundle.js'
import { generateSigningKey, parseSigningKey } from '../../src/lib/signing.js'
import { SealedStore } from '../../src/stores/sealed.js'
import { storeContract } from './contract.js'

describe('sealed store (age, real encryption)', async () => {
  const key = await generateKey(new Date(0))
  const file = () => join(mkdtempSync(join(tmpdir(), 'hush-sealed-')), 'test.hush.sealed')
  storeContract('sealed', {
    async create() {
      return new SealedStore(file(), {
        recipients: [key.recipient],
        identities: [key.identity],
        project: 'p',
        env: 'test',
      })
    },
    // the file on disk is ciphertext: no value may be readable in it
    async sidecarText(store) {
      return readFileSync(store.location, 'latin1')
    },
  })

  it('signs the file it writes with your signing key, so hush unseal can trust it', async () => {
    const signing = parseSigningKey(generateSigningKey(new Date(0)).file, 'test')
    const store = new SealedStore(file(), {
      recipients: [key.recipient],
      identities: [key.identity],
      project: 'p',
      env: 'test',
      signingKey: () => signing,
    })
    const at = '2026-01-01T00:00:00.000Z'
    await store.writeMany([
      { name: 'a', value: 'alpha', meta: { fingerprint: 'f1', source: 'provided', at } },
      {
        name: 'b',
        value: 'beta',
        meta: { fingerprint: 'f2', source: 'provided', at: '2026-01-02T00:00:00.000Z' },
      },
    ])
    const opened = async () =>
      parseBundle(
        await decrypt(readFileSync(store.location), store.location, { identities: [key.identity] }),
        store.location,
      )
    const bundle = await opened()
    expect(bundle.signer).toBe(signing.signer)
    expect(signatureState(bundle)).toBe('valid')
    expect(bundle.sealedAt).toBe('2026-01-02T00:00:00.000Z') // the latest write's time
    await store.remove('a')
    expect(signatureState(await opened())).toBe('valid')
  })
})
