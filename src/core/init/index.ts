/** `hush init`: infer hush.yaml from compose files and .env.example files. */
export { gitignoreAdditions } from './gitignore.js'
export { inferFromSources } from './infer.js'
export { renderManifest } from './render.js'
export { detectSourceKind } from './sources.js'
export type { Inference, InferredKind, InferredSecret, InitSource } from './types.js'
