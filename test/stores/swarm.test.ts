import { afterAll, describe } from 'vitest'
import { SwarmStore } from '../../src/stores/swarm.js'
import { cleanSwarm, docker, engine, swarmAvailable, uniquePrefix } from '../helpers/swarm.js'
import { storeContract } from './contract.js'

const prefixes: string[] = []

describe.runIf(swarmAvailable())('swarm store on the real engine', () => {
  afterAll(async () => {
    for (const p of prefixes) await cleanSwarm(p)
  })
  storeContract('swarm', {
    async create() {
      const prefix = uniquePrefix('contract')
      prefixes.push(prefix)
      return new SwarmStore(engine(), prefix)
    },
    // what the engine shows of the store's secrets: names, labels, versions (never data)
    async sidecarText() {
      const prefix = prefixes.at(-1) as string
      const ids = docker(['secret', 'ls', '--quiet', '--filter', `name=${prefix}`])
        .split('\n')
        .filter(Boolean)
      return ids.length > 0 ? docker(['secret', 'inspect', ...ids]) : ''
    },
  })
})
