/**
 * The web app server of `ferry start`: serves the built browser app (dist/web) and
 * `/config.json`, which tells the app which daemons to join through — this daemon's WebSocket and
 * WebRTC-direct addresses — and carries this daemon's invite so the browser's user can add the
 * daemon's user in one step.
 *
 * Bound to 127.0.0.1 by default: browsers give WebCrypto (the at-rest key) only to secure
 * contexts, and http://127.0.0.1 is one. Serving to other machines (`--web-host`) needs HTTPS
 * (`--web-cert` and `--web-key`) for the same reason; without them the daemon warns.
 *
 * Every request must name this server in its Host header (hostAllowed): a page on another site
 * whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name, and is refused
 * before it can read /config.json (the invite: identity, addresses, mailbox hosts).
 *
 * `/link-requests` takes a page's request to link as a device of the daemon's identity, which the
 * daemon's user approves with `ferry device approve CODE` (node/web/link-requests.ts).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer as createHttp } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { TooManyLinkRequestsError } from './link-requests.js'
import type { LinkRequests } from './link-requests.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** Where the built app is: dist/web next to the compiled daemon (dist/node/web). */
export const WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web')

/**
 * The web port in real use. The browser keeps its Ferry identity per origin, so the app never moves
 * to another port on its own: when this one is taken the caller decides (node/daemon/daemon.ts
 * serves no app and says so).
 */
export const DEFAULT_WEB_PORT = 7472

/** The port is held by another socket (EADDRINUSE). */
export class WebPortTakenError extends Error {
  override name = 'WebPortTakenError'
  constructor (readonly where: string) { super(`web app: ${where} is in use by another program`) }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json'
}

/** What the app reads from /config.json. */
export interface WebConfig {
  /** this daemon's addresses a browser can dial (ws, wss, webrtc-direct), with /p2p/ */
  daemons: string[]
  /** this daemon's user, to add as a contact */
  daemon: { peerId: string, name: string, invite: string }
}

export interface WebOptions {
  port?: number
  host?: string
  /** PEM files for HTTPS */
  cert?: string
  key?: string
  config(): Promise<WebConfig>
  log(msg: string): void
  /** "link to this daemon's user" requests (node/web/link-requests.ts); without it, none are taken */
  linkRequests?: LinkRequests
}

export interface WebServer {
  url: string
  server: Server
  close(): Promise<void>
}

/** Whether the app was built (`npm run build` puts it in dist/web). */
export function webAppBuilt (): boolean {
  return existsSync(join(WEB_ROOT, 'index.html'))
}

/**
 * Serve the app.
 *
 * @throws Error when the app is not built, a TLS file is missing, or the port is unusable
 */
export async function serveWeb (opts: WebOptions): Promise<WebServer> {
  if (!webAppBuilt()) throw new Error(`the web app is not built (${WEB_ROOT} has no index.html): run npm run build`)
  const host = opts.host ?? '127.0.0.1'
  const tls = opts.cert != null || opts.key != null
  if (tls && (opts.cert == null || opts.key == null)) throw new Error('--web-cert and --web-key go together')
  let allowed: (header: string | undefined) => boolean = () => false
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // 421 Misdirected Request: this server is not the one the Host header names
    if (!allowed(req.headers.host)) return void res.writeHead(421, { 'content-type': 'text/plain' }).end()
    handle(req, res, opts).catch(() => { if (!res.headersSent) res.writeHead(500); res.end() })
  }
  const server: Server = tls
    ? createHttps({ cert: readFileSync(opts.cert as string), key: readFileSync(opts.key as string) }, handler)
    : createHttp(handler)
  const port = await listen(server, host, opts.port ?? DEFAULT_WEB_PORT)
  allowed = header => hostAllowed(header, { host, port, tls })
  if (!tls && !isLoopback(host)) opts.log(`warning: the web app is served over plain HTTP on ${host}; browsers on other machines will refuse WebCrypto there: use --web-cert and --web-key`)
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const url = `${tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`
  return {
    url,
    server,
    close: async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/**
 * Whether a request's Host header names this server: its port, and one of 127.0.0.1, [::1],
 * localhost or the host it was bound to (`--web-host`). Bound to every interface (0.0.0.0, ::), any
 * IP address and this machine's own name are accepted too: DNS rebinding needs a name the
 * attacker controls, and an IP address or this machine's name is not one.
 *
 * @param header - the Host header as sent (undefined when missing: refused)
 */
export function hostAllowed (header: string | undefined, server: { host: string, port: number, tls: boolean }): boolean {
  if (header == null || header === '' || /[/?#@\\\s]/.test(header)) return false
  let url: URL
  try {
    url = new URL(`${server.tls ? 'https' : 'http'}://${header}`)
  } catch {
    return false
  }
  const port = url.port === '' ? (server.tls ? 443 : 80) : Number(url.port)
  if (port !== server.port) return false
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '')
  const bound = server.host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (['127.0.0.1', '::1', 'localhost', bound].includes(name)) return true
  if (bound !== '0.0.0.0' && bound !== '::') return false
  const machine = hostname().toLowerCase()
  return isIP(name) !== 0 || name === machine || name === `${machine}.local`
}

/** Listen on `host`:`port`, never elsewhere. @throws WebPortTakenError | Error */
async function listen (server: Server, host: string, port: number): Promise<number> {
  try {
    return await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve((server.address() as { port: number }).port)
      })
    })
  } catch (err: any) {
    if (err.code === 'EADDRINUSE') throw new WebPortTakenError(`${host.includes(':') ? `[${host}]` : host}:${port}`)
    throw new Error(`web app: cannot listen on ${host}:${port}: ${err.message}`)
  }
}

async function handle (req: IncomingMessage, res: ServerResponse, opts: WebOptions): Promise<void> {
  const headers = {
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // the app talks to peers (ws:, and WebRTC which CSP does not cover) and nothing else; it shows
    // pictures it decrypted itself from blob: URLs it made (files: thumbnails and the viewer)
    'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
  }
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  if (path === '/link-requests' || path.startsWith('/link-requests/')) return await linkRequest(req, res, path, headers, opts)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, headers).end()
    return
  }
  if (path === '/config.json') {
    res.writeHead(200, { ...headers, 'content-type': TYPES['.json'], 'cache-control': 'no-store' }).end(JSON.stringify(await opts.config()))
    return
  }
  const file = normalize(join(WEB_ROOT, path === '/' ? 'index.html' : path))
  if (!file.startsWith(WEB_ROOT + sep) || !existsSync(file)) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found')
    return
  }
  res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(req.method === 'HEAD' ? undefined : readFileSync(file))
}

/**
 * `POST /link-requests` {name} → 201 {id, code, expiresAt} (429 when too many wait) and
 * `GET /link-requests/ID` → {state, link?}. The POST must be JSON: a page of another origin
 * cannot send that without a CORS preflight, which this server never answers.
 */
async function linkRequest (req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>, opts: WebOptions): Promise<void> {
  const json = (status: number, body: unknown): void => { res.writeHead(status, { ...headers, 'content-type': TYPES['.json'], 'cache-control': 'no-store' }).end(JSON.stringify(body)) }
  const requests = opts.linkRequests
  if (requests == null) return json(404, { error: 'this daemon does not link browsers' })
  if (req.method === 'GET' && path.startsWith('/link-requests/')) return json(200, requests.state(path.slice('/link-requests/'.length)))
  if (req.method !== 'POST' || path !== '/link-requests') return json(405, { error: 'method not allowed' })
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return json(415, { error: 'send JSON' })
  let body: any
  try {
    body = JSON.parse(await readBody(req, 1024))
  } catch (err: any) {
    return json(400, { error: err.message ?? 'not JSON' })
  }
  try {
    const made = requests.create(typeof body?.name === 'string' ? body.name : '')
    // not the code: whoever reads this log must take it from the page they opened, not a stranger's request
    opts.log('a browser asks to link as a device of this identity: if it is yours, approve it with the code its page shows (ferry device approve CODE)')
    return json(201, made)
  } catch (err) {
    if (err instanceof TooManyLinkRequestsError) return json(429, { error: err.message })
    throw err
  }
}

/** A request body of at most `max` bytes. @throws Error when longer */
async function readBody (req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength
    if (size > max) throw new Error(`the body is over ${max} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
