/** The Docker Engine's view of hush's swarm secrets and the services that mount them. */

/** Requests in flight at once: enough to be quick, few enough not to swamp a Raft leader. */
export const ENGINE_CONCURRENCY = 8

/** One version of one entry, as the engine holds it. */
export interface SwarmVersion {
  readonly id: string
  /** the swarm object name, `<prefix>_<entry>_v<N>` */
  readonly objectName: string
  readonly entry: string
  readonly version: number
  readonly fingerprint: string
  readonly labels: Readonly<Record<string, string>>
}

/** A service's reference to a secret, as in its spec. */
export interface ServiceSecretRef {
  SecretID: string
  SecretName: string
  File?: { Name: string; UID?: string; GID?: string; Mode?: number }
}

/** A service's rolling-update settings; hush changes only `Order`, and only for its own updates. */
export interface UpdateConfig {
  Parallelism?: number
  Order?: 'start-first' | 'stop-first'
  [key: string]: unknown
}

export interface SwarmService {
  ID: string
  Version: { Index: number }
  Spec: {
    Name: string
    Labels?: Record<string, string>
    TaskTemplate: {
      ContainerSpec?: {
        Secrets?: ServiceSecretRef[]
        Mounts?: { Type?: string; Target?: string; ReadOnly?: boolean }[]
      }
      Networks?: { Target: string }[]
    } & Record<string, unknown>
    Mode?: { Replicated?: { Replicas?: number }; Global?: object }
    UpdateConfig?: UpdateConfig
    EndpointSpec?: { Ports?: { PublishMode?: string; PublishedPort?: number; TargetPort?: number }[] }
  } & Record<string, unknown>
  UpdateStatus?: { State?: string; Message?: string }
}

/** Secret id → names of the services that mount it. */
export function usersOf(services: readonly SwarmService[]): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>()
  for (const s of services)
    for (const ref of s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []) {
      const set = users.get(ref.SecretID) ?? new Set<string>()
      set.add(s.Spec.Name)
      users.set(ref.SecretID, set)
    }
  return users
}
