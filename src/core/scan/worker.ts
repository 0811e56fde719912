/** A scan worker thread: builds the scanner from plain data once, then scans the batches of files it is sent. */
import { parentPort, workerData } from 'node:worker_threads'
import { buildScanner, type ScannerSpec } from './engine.js'
import { scanFile } from './locate.js'

const { spec, maxSize, explicit } = workerData as { spec: ScannerSpec; maxSize: number; explicit: string[] }
const scanner = buildScanner(spec)
// paths named on the command line: a link there is followed (its target must be a regular file)
const followed = new Set(explicit)
parentPort!.on('message', (files: string[]) => {
  parentPort!.postMessage(files.map((f) => scanFile(scanner, f, maxSize, followed.has(f))))
})
