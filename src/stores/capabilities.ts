import type { StoreCapabilities } from './types.js'

/**
 * A store's capabilities: what most backends do (return values, keep hush's labels beside them)
 * unless the store says otherwise.
 */
export function capabilities(given: Partial<StoreCapabilities>): StoreCapabilities {
  return {
    localFiles: false,
    secretFiles: false,
    returnsValues: true,
    versioned: false,
    labels: true,
    stage: false,
    checkAndSet: false,
    rollsConsumers: false,
    ...given,
  }
}
