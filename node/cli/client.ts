/** The CLI's side of the control API: find the daemon through the data dir, call it with the token. */
import { existsSync, readFileSync } from 'node:fs'
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
  private readonly token: string
  private readonly notRunning: string

  constructor (dir: string) {
    const files = dataPaths(dir)
    this.notRunning = `no Ferry daemon is running for ${dir} — start one with \`ferry start --data-dir ${dir}\``
    if (!existsSync(files.api) || !existsSync(files.token)) throw new NoDaemonError(this.notRunning)
    let port: number
    try {
      port = JSON.parse(readFileSync(files.api, 'utf8')).port
    } catch {
      throw new NoDaemonError(this.notRunning)
    }
    this.base = `http://127.0.0.1:${port}`
    this.token = readFileSync(files.token, 'utf8').trim()
  }

  async request (method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body != null ? { 'content-type': 'application/json' } : {}) },
        body: body != null ? JSON.stringify(body) : undefined
      })
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
