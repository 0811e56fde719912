/**
 * The store conformance suite: every store runs it (get-missing, write, read,
 * update, list, remove, one-newline rule, hostile names, stage, metadata never
 * holds values). Each store's test calls it with a factory and a way to read its metadata.
 */
import { describe, expect, it } from 'vitest'
import type { Store, WriteMeta } from '../../src/stores/types.js'

export interface ContractOptions {
  /** a fresh, empty store */
  create(): Promise<Store>
  /** put a raw value behind the store's back, as a person or another tool would (e.g. `echo x > file`) */
  writeRaw?(store: Store, name: string, raw: string): Promise<void>
  /**
   * Every byte the store keeps besides values (metadata files, tags, labels, annotations, custom
   * metadata), to prove values never land there. Required: every store must show its metadata.
   */
  sidecarText(store: Store): Promise<string>
}

const meta = (fingerprint: string, at = '2026-01-01T00:00:00.000Z'): WriteMeta => ({
  fingerprint,
  source: 'generated',
  at,
})

/**
 * The value behind `name` is `value`: read back where the store returns values, otherwise (Swarm) the
 * newest listed version carries the fingerprint the write was given.
 */
async function expectHolds(store: Store, name: string, value: string, fingerprint: string): Promise<void> {
  if (store.capabilities.returnsValues) expect(await store.read(name)).toBe(value)
  else expect((await store.list()).find((s) => s.name === name)?.fingerprint).toBe(fingerprint)
}

export function storeContract(kind: string, options: ContractOptions): void {
  describe(`store contract: ${kind}`, () => {
    it('returns undefined for a missing entry and lists nothing when empty', async () => {
      const store = await options.create()
      expect(await store.read('nope')).toBeUndefined()
      expect(await store.list()).toEqual([])
    })

    it('writes, reads back exactly and lists metadata without the value', async () => {
      const store = await options.create()
      const value = 'v@lue with spaces, "quotes" and = signs'
      const stored = await store.write('session_key', value, meta('fp1'))
      expect(stored).toMatchObject({
        name: 'session_key',
        version: 1,
        fingerprint: 'fp1',
        source: 'generated',
      })
      await expectHolds(store, 'session_key', value, 'fp1')
      const listed = await store.list()
      expect(listed.map((s) => s.name)).toEqual(['session_key'])
      expect(JSON.stringify(listed)).not.toContain(value)
    })

    it('bumps the version when the value changes and keeps createdAt', async () => {
      const store = await options.create()
      await store.write('k', 'one', meta('fp1', '2026-01-01T00:00:00.000Z'))
      const same = await store.write('k', 'one', meta('fp1', '2026-01-02T00:00:00.000Z'))
      expect(same.version).toBe(1)
      const next = await store.write('k', 'two', {
        ...meta('fp2', '2026-01-03T00:00:00.000Z'),
        rotated: true,
      })
      expect(next).toMatchObject({
        version: 2,
        createdAt: '2026-01-01T00:00:00.000Z',
        rotatedAt: '2026-01-03T00:00:00.000Z',
      })
      await expectHolds(store, 'k', 'two', 'fp2')
    })

    it('writes many entries at once', async () => {
      const store = await options.create()
      const entries = Array.from({ length: 25 }, (_, i) => ({
        name: `k${i}`,
        value: `value-${i}`,
        meta: meta(`fp${i}`),
      }))
      await store.writeMany(entries)
      for (const e of entries) await expectHolds(store, e.name, e.value, e.meta.fingerprint)
      expect((await store.list()).length).toBe(25)
    })

    it('removes an entry', async () => {
      const store = await options.create()
      await store.write('gone', 'x', meta('fp'))
      await store.remove('gone')
      expect(await store.read('gone')).toBeUndefined()
      expect(await store.list()).toEqual([])
      await store.remove('gone') // removing twice is fine
    })

    it('keeps multi-line values and unicode exactly', async () => {
      const store = await options.create()
      const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----'
      await store.write('signing_key', pem, meta('fp'))
      await store.write('greeting', 'grüße 🔑', meta('fp2'))
      await expectHolds(store, 'signing_key', pem, 'fp')
      await expectHolds(store, 'greeting', 'grüße 🔑', 'fp2')
    })

    it('refuses names that could escape the store', async () => {
      const store = await options.create()
      for (const bad of ['../escape', 'a/b', '..', '', 'x\0y', 'UPPER'])
        await expect(store.write(bad, 'x', meta('fp'))).rejects.toMatchObject({ code: 'HUSH_E_UNSAFE_NAME' })
      await expect(store.read('../../etc/passwd')).rejects.toMatchObject({ code: 'HUSH_E_UNSAFE_NAME' })
    })

    if (options.writeRaw)
      it('strips exactly one trailing newline on read (files made with echo keep working)', async () => {
        const store = await options.create()
        await options.writeRaw!(store, 'echoed', 'abc\n')
        await options.writeRaw!(store, 'crlf', 'abc\r\n')
        await options.writeRaw!(store, 'two', 'abc\n\n')
        expect(await store.read('echoed')).toBe('abc')
        expect(await store.read('crlf')).toBe('abc')
        expect(await store.read('two')).toBe('abc\n')
      })

    it('never writes a value into its metadata (write, writeMany, stage)', async () => {
      const store = await options.create()
      const canary = 'CANARY-store-contract-4f1d'
      await store.write('canary_secret', canary, meta('fp'))
      await store.writeMany([{ name: 'canary_many', value: `${canary}-many`, meta: meta('fp2') }])
      await store.stage?.('canary_secret', `${canary}-staged`, meta('fp3'))
      const sidecar = await options.sidecarText(store)
      expect(sidecar.length).toBeGreaterThan(0) // the store's metadata was really read
      expect(sidecar).not.toContain(canary)
      expect(JSON.stringify(await store.list())).not.toContain(canary)
    })

    it('stages exactly when it declares the capability: beside the current value, current on the next write', async () => {
      const store = await options.create()
      expect(typeof store.stage === 'function').toBe(store.capabilities.stage)
      if (!store.stage) return
      await store.write('staged', 'current-value', meta('fp1'))
      await store.stage('staged', 'pending-value', meta('fp2'))
      await expectHolds(store, 'staged', 'current-value', 'fp1')
      await store.stage('staged', 'pending-value', meta('fp2')) // a resumed stage is harmless
      await store.write('staged', 'pending-value', { ...meta('fp2'), rotated: true })
      await expectHolds(store, 'staged', 'pending-value', 'fp2')
    })
  })
}
