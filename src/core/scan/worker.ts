/** A scan worker thread: builds the scanner from plain data once, then scans the batches of files it is sent. */
import { parentPort, workerData } from 'node:worker_threads'
import { buildScanner, type ScannerSpec } from './engine.js'
import { scanFile } from './locate.js'

const { spec, maxSize } = workerData as { spec: ScannerSpec; maxSize: number }
const scanner = buildScanner(spec)
parentPort!.on('message', (files: string[]) => {
  parentPort!.postMessage(files.map((f) => scanFile(scanner, f, maxSize)))
})
