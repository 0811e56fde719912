import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import { generateKey } from '../../src/lib/age.js'
import { SealedStore } from '../../src/stores/sealed.js'
import { storeContract } from './contract.js'

describe('sealed store (age, real encryption)', async () => {
  const key = await generateKey(new Date(0))
  storeContract('sealed', {
    async create() {
      const file = join(mkdtempSync(join(tmpdir(), 'hush-sealed-')), 'test.hush.sealed')
      return new SealedStore(file, {
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
})
