/**
 * The web app server of `ferry start` (issue 6): serves the built browser app (dist/web) and
 * `/config.json`, which tells the app which daemons to join through — this daemon's WebSocket and
 * WebRTC-direct addresses — and carries this daemon's invite so the browser's user can add the
 * daemon's user in one step.
 *
 * Bound to 127.0.0.1 by default: browsers give WebCrypto (the at-rest key) only to secure
 * contexts, and http://127.0.0.1 is one. Serving to other machines (`--web-host`) needs HTTPS
 * (`--web-cert` and `--web-key`) for the same reason; without them the daemon warns.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer as createHttp } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** Where the built app is: dist/web next to the compiled daemon (dist/node/web). */
export const WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web')

/** The web port in real use; when it is taken, any free port (the URL is printed either way). */
export const DEFAULT_WEB_PORT = 7472

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
  const handler = (req: IncomingMessage, res: ServerResponse): void => { handle(req, res, opts).catch(() => { if (!res.headersSent) res.writeHead(500); res.end() }) }
  const server: Server = tls
    ? createHttps({ cert: readFileSync(opts.cert as string), key: readFileSync(opts.key as string) }, handler)
    : createHttp(handler)
  const port = await listen(server, host, opts.port ?? DEFAULT_WEB_PORT, opts.port == null)
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

async function listen (server: Server, host: string, port: number, fallback: boolean): Promise<number> {
  const attempt = async (p: number): Promise<number> => new Promise((resolve, reject) => {
    const onError = (err: Error): void => { reject(err) }
    server.once('error', onError)
    server.listen(p, host, () => {
      server.off('error', onError)
      resolve((server.address() as { port: number }).port)
    })
  })
  try {
    return await attempt(port)
  } catch (err: any) {
    if (fallback && err.code === 'EADDRINUSE') return attempt(0)
    throw new Error(`web app: cannot listen on ${host}:${port}: ${err.message}`)
  }
}

async function handle (req: IncomingMessage, res: ServerResponse, opts: WebOptions): Promise<void> {
  const headers = {
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // the app talks to peers (ws:, and WebRTC which CSP does not cover) and nothing else
    'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, headers).end()
    return
  }
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
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
