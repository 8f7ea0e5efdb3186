/**
 * The CLI's side of the control API: find the daemon through the data dir, call it with the token.
 * When the daemon also serves the API on a Unix socket (`ferry start --api-socket`, named in
 * api.json) the client uses the socket: it works from another network namespace, where the
 * daemon's 127.0.0.1 is not this process's. fetch cannot dial a Unix socket, so that path goes
 * through node:http and is wrapped in a fetch `Response`, the same for every caller.
 */
import { existsSync, readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { dataPaths } from '../paths.js'

/** No daemon answers for this data dir. */
export class NoDaemonError extends Error {
  override name = 'NoDaemonError'
}

/** The daemon answered with an error. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor (readonly status: number, message: string, readonly code?: string) { super(message) }
}

export class ApiClient {
  private readonly base: string
  private readonly port: number
  private readonly socket?: string
  private readonly token: string
  private readonly notRunning: string

  constructor (dir: string) {
    const files = dataPaths(dir)
    this.notRunning = `no Ferry daemon is running for ${dir} — start one with \`ferry start --data-dir ${dir}\``
    if (!existsSync(files.api) || !existsSync(files.token)) throw new NoDaemonError(this.notRunning)
    let api: { port: number, socket?: string }
    try {
      api = JSON.parse(readFileSync(files.api, 'utf8'))
    } catch {
      throw new NoDaemonError(this.notRunning)
    }
    this.base = `http://127.0.0.1:${api.port}`
    this.port = api.port
    if (typeof api.socket === 'string' && existsSync(api.socket)) this.socket = api.socket
    this.token = readFileSync(files.token, 'utf8').trim()
  }

  async request (method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response
    const headers = { authorization: `Bearer ${this.token}`, ...(body != null ? { 'content-type': 'application/json' } : {}) }
    const text = body != null ? JSON.stringify(body) : undefined
    try {
      res = this.socket != null
        ? await overSocket(this.socket, method, path, headers, text)
        : await fetch(this.base + path, { method, headers, body: text })
    } catch {
      throw new NoDaemonError(this.notRunning)
    }
    if (!res.ok) {
      const err = await res.json().catch(() => ({ error: res.statusText })) as { error?: string, code?: string }
      throw new ApiError(res.status, err.error ?? `HTTP ${res.status}`, err.code)
    }
    return res
  }

  async get<T = any> (path: string): Promise<T> {
    return (await this.request('GET', path)).json() as Promise<T>
  }

  async post<T = any> (path: string, body: unknown): Promise<T> {
    return (await this.request('POST', path, body)).json() as Promise<T>
  }

  /**
   * A request whose body streams from `body` (a file) and whose answer streams back: `ferry send
   * --file` and `ferry file get`. Errors as `request`.
   */
  async raw (method: string, path: string, body?: Readable, headers: Record<string, string> = {}): Promise<import('node:http').IncomingMessage> {
    // with a body, wait for the daemon's 100 Continue before sending it: a refusal (a file over the
    // limit) then comes as an answer, not as a connection closed under an upload in flight
    const all = { authorization: `Bearer ${this.token}`, ...headers, ...(body != null ? { expect: '100-continue' } : {}) }
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      let answered = false
      const req = httpRequest(this.socket != null ? { socketPath: this.socket, method, path, headers: all } : { host: '127.0.0.1', port: this.port, method, path, headers: all }, res => {
        answered = true
        if (body != null && !body.readableFlowing) body.destroy() // refused before the upload began
        resolve(res)
      })
      req.once('error', () => { if (!answered) reject(new NoDaemonError(this.notRunning)) })
      if (body == null) req.end()
      else req.once('continue', () => { body.once('error', err => req.destroy(err)).pipe(req) })
    })
    const status = res.statusCode ?? 500
    if (status >= 400) {
      let text = ''
      for await (const c of res) text += String(c)
      let err: { error?: string, code?: string } = {}
      try { err = JSON.parse(text) } catch {}
      throw new ApiError(status, err.error ?? `HTTP ${status}`, err.code)
    }
    return res
  }

  /** Yield each NDJSON line of a streaming endpoint as an object. */
  async * stream<T = any> (path: string): AsyncGenerator<T> {
    const res = await this.request('GET', path)
    let buf = ''
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += Buffer.from(chunk).toString('utf8')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.trim() !== '') yield JSON.parse(line)
      }
    }
  }
}

/** Statuses whose responses have no body (a fetch Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304])

/** One HTTP request over a Unix socket, answered as a fetch Response (its body streams). */
async function overSocket (socketPath: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, method, path, headers: body == null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, res => {
      const h = new Headers()
      for (let i = 0; i < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i], res.rawHeaders[i + 1])
      const status = res.statusCode ?? 500
      const stream = NO_BODY.has(status) ? null : Readable.toWeb(res) as ReadableStream<Uint8Array>
      if (stream == null) res.resume()
      resolve(new Response(stream, { status, statusText: res.statusMessage, headers: h }))
    })
    req.once('error', reject)
    req.end(body)
  })
}
