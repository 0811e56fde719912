/**
 * The service the swarm end-to-end test deploys: it reads its secrets with the
 * hush runtime (X_FILE → /run/secrets), issues and verifies JWTs with a KeyRing,
 * and logs in to Redis with its password on every /redis request. Each replica
 * listens on PORT_BASE + its task slot (host network).
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect } from 'node:net'
import { loadSecrets } from '../../../src/runtime/index.js'
import { KeyRing } from '../../../src/runtime/jwt.js'

/** AUTH user password over RESP on a fresh connection: +OK or not. */
function redisLogin(port: number, user: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const args = ['AUTH', user, password]
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    )
    socket.once('data', (d) => {
      socket.destroy()
      resolve(d.toString().startsWith('+OK'))
    })
    socket.on('error', () => resolve(false))
  })
}

async function main(): Promise<void> {
  const secrets = await loadSecrets({ required: ['redis_password'] })
  const password = secrets.get('redis_password').reveal()
  const ring = await KeyRing.load('jwt_secret', { metrics: false })
  const port = Number(process.env.PORT_BASE) + Number(process.env.SLOT)
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const reply = (status: number, body: string) => {
      res.writeHead(status, { connection: 'close' })
      res.end(body)
    }
    if (url.pathname === '/token') return reply(200, await ring.sign({ sub: 'client' }))
    if (url.pathname === '/verify')
      return ring.verify(url.searchParams.get('t') ?? '').then(
        () => reply(200, 'ok'),
        (err) => reply(401, String(err.code)),
      )
    if (url.pathname === '/redis')
      return reply((await redisLogin(Number(process.env.REDIS_PORT), 'app', password)) ? 200 : 500, '')
    if (url.pathname === '/files') {
      // sha256 of each mounted secret: the test compares them with the local store's values
      const out: Record<string, string> = {}
      for (const f of readdirSync('/run/secrets'))
        out[f] = createHash('sha256')
          .update(readFileSync(`/run/secrets/${f}`))
          .digest('hex')
      return reply(200, JSON.stringify(out))
    }
    reply(404, '')
  })
  server.listen(port, '127.0.0.1')
  // graceful stop: finish what is in flight, accept nothing new
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}

main().catch((err) => {
  console.error(String(err))
  process.exit(1)
})
