import { afterAll, describe } from 'vitest'
import { SwarmStore } from '../../src/stores/swarm.js'
import { cleanSwarm, engine, swarmAvailable, uniquePrefix } from '../helpers/swarm.js'
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
  })
})
