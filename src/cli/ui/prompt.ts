/** Read a secret from the terminal without echoing it. */
import type { Streams } from './output.js'

export function promptHidden(streams: Streams, question: string): Promise<string> {
  const { stdin, stderr } = streams
  return new Promise((resolve, reject) => {
    // echo off before the prompt appears, so that nothing typed in answer to it is echoed
    stdin.setRawMode?.(true)
    stdin.resume()
    stderr.write(question)
    let value = ''
    const done = (err?: Error) => {
      stdin.setRawMode?.(false)
      stdin.pause()
      stdin.removeListener('data', onData)
      stderr.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new Error('interrupted'))
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('')
        else if (ch >= ' ') value += ch
      }
    }
    stdin.on('data', onData)
  })
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
  return Buffer.concat(chunks).toString('utf8')
}
