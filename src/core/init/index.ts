/** `hush init`: infer hush.yaml from compose files and .env.example files. */
export { gitignoreAdditions } from './gitignore.js'
export { inferFromSources } from './infer.js'
export { renderManifest, rotationOf } from './render.js'
export { detectSourceKind } from './sources.js'
export type { Inference, InferredKind, InferredRotator, InferredSecret, InitSource } from './types.js'
