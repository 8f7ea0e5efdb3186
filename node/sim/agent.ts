/**
 * `ferry sim agent`: the driver's hands on a machine it cannot reach otherwise —
 * one per Kubernetes pod. An agent owns one local `ferry start` daemon through `DaemonNode`
 * (processes.ts: stop is SIGTERM, crash is SIGKILL) and serves every `NodeControl` method over
 * HTTP, so `RemoteNode` (remote.ts) can drive it from anywhere. The daemon's own control API
 * stays on the pod's loopback; only the agent listens on the network, and only with a token.
 *
 * The agent API (v1). Every request but `GET /healthz` needs `Authorization: Bearer <token>`,
 * compared in constant time (401 otherwise). Bodies are JSON objects of at most MAX_BODY_BYTES;
 * an unknown argument is an error, as in the scenario parser.
 *
 *   GET  /healthz                 200 {ok: true}                     (readiness; says nothing else)
 *   GET  /v1/node                 {name, running, pid}
 *   GET  /v1/node/mailboxHeld     {held}   mail waiting at this node for others
 *   POST /v1/node/<method>        {result}, for start, stop, crash, reset, resume, invite,
 *                                 addContact {name, invite}, hostMailbox {owner},
 *                                 useMailboxes {hosts}, send {to, text, ttlMs?}, changes {afterRev}
 *
 * Errors are `{error, code}`: 400 BadRequest, 401 Unauthorized, 404 NotFound, 405
 * MethodNotAllowed, 413 TooLarge, 409 NotRunning (the daemon is stopped), 502 DaemonError (the
 * daemon refused or failed; `daemonStatus` holds its HTTP status), 500 AgentError.
 *
 * `reset` SIGKILLs the daemon and makes a fresh identity, so one set of agents serves run after
 * run (a second run's contacts would otherwise exist already). It deletes only `<dir>/node`, and
 * the agent takes only a directory that is empty or that it made (it leaves a marker file), so a
 * mistyped `--data-dir` can never wipe a real Ferry data dir.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { ApiError } from '../cli/client.js'
import { MAX_BODY_BYTES } from '../daemon/api.js'
import { dataPaths } from '../paths.js'
import { DaemonNode } from './processes.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The agent's default port (the web app of `ferry start` takes 7472). */
export const AGENT_PORT = 7473
/** Shortest token accepted: a guessable token would hand the daemon to anyone on the network. */
export const MIN_TOKEN_CHARS = 16
/** The file that marks a directory as an agent's own (reset may wipe what is inside it). */
export const AGENT_MARKER = 'ferry-sim-agent'

export interface AgentOptions {
  /** the node's name in the scenario (also its display name) */
  name: string
  /** the agent's own directory; the daemon's data dir is `<dir>/node` */
  dir: string
  token: string
  /** default 127.0.0.1 */
  host?: string
  /** default AGENT_PORT; 0 picks a free port */
  port?: number
  /** `ferry start --listen` addresses (default: 127.0.0.1, TCP and WebRTC-direct, any port) */
  listen?: string[]
}

/** The agent cannot start with these options. */
export class AgentSetupError extends Error {
  override name = 'AgentSetupError'
}

class HttpError extends Error {
  constructor (readonly status: number, readonly code: string, message: string, readonly extra: Record<string, unknown> = {}) { super(message) }
}

const LOOPBACK = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/webrtc-direct']

/**
 * The node name of a StatefulSet pod: `names[i]` for the pod whose name ends in `-i`.
 *
 * @throws AgentSetupError when the pod name has no ordinal or the list has no such entry
 * @example nodeNameOfPod(['host-0', 'unit-0'], 'ferry-node-1') // 'unit-0'
 */
export function nodeNameOfPod (names: unknown, podName: string): string {
  const m = /-(\d+)$/.exec(podName)
  if (m == null) throw new AgentSetupError(`pod name "${podName}" does not end in -<ordinal>`)
  if (!Array.isArray(names) || !names.every(n => typeof n === 'string')) throw new AgentSetupError('the names file must hold a JSON list of node names')
  const name = names[Number(m[1])]
  if (name == null) throw new AgentSetupError(`pod ${podName}: the names file lists only ${names.length} nodes`)
  return name
}

/** One node behind an HTTP API; `start()` listens, `close()` stops the daemon and the server. */
export class Agent {
  readonly node: DaemonNode
  private readonly secret: Buffer
  private server?: Server
  /** lifecycle calls run one at a time: two overlapping starts would spawn two daemons */
  private lifecycle: Promise<unknown> = Promise.resolve()

  /** @throws AgentSetupError on a short token or a directory that is not the agent's */
  constructor (private readonly options: AgentOptions) {
    if (options.token.trim().length < MIN_TOKEN_CHARS) throw new AgentSetupError(`the token must be at least ${MIN_TOKEN_CHARS} characters`)
    if (options.name.trim() === '') throw new AgentSetupError('the node needs a name')
    claimDir(options.dir)
    this.secret = digest(options.token.trim())
    this.node = new DaemonNode(options.name, join(options.dir, 'node'), { startArgs: ['--no-mdns', ...(options.listen ?? LOOPBACK).flatMap(l => ['--listen', l])] })
  }

  /** Listen; resolves with the agent's URL. */
  async start (): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: any) => {
        const e = err instanceof HttpError ? err : daemonError(err)
        if (res.headersSent) return res.end()
        send(res, e.status, { error: e.message, code: e.code, ...e.extra })
      })
    })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port ?? AGENT_PORT, this.options.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
    })
    const { address, port } = server.address() as AddressInfo
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`
  }

  /** Stop the daemon (SIGTERM) and the server. */
  async close (): Promise<void> {
    await this.serial(async () => this.node.stop())
    const server = this.server
    if (server == null) return
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }

  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(fn, fn)
    this.lifecycle = run.catch(() => {})
    return run
  }

  private async fresh (): Promise<void> {
    await this.node.crash()
    rmSync(this.node.dir, { recursive: true, force: true })
    await this.node.init()
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://agent').pathname
    if (path === '/healthz' && req.method === 'GET') return send(res, 200, { ok: true })
    if (!this.authorized(req)) throw new HttpError(401, 'Unauthorized', 'missing or wrong agent token')
    const m = /^\/v1\/node(?:\/([A-Za-z]+))?$/.exec(path)
    if (m == null) throw new HttpError(404, 'NotFound', `no such endpoint: ${path}`)
    const method = m[1]
    if (req.method === 'GET' && method == null) return send(res, 200, { name: this.node.name, running: this.node.running(), pid: this.node.pid() ?? null })
    if (req.method === 'GET' && method === 'mailboxHeld') return send(res, 200, { held: await this.node.mailboxHeld() })
    if (method == null || !(method in METHODS)) throw new HttpError(404, 'NotFound', `no such endpoint: ${path}`)
    if (req.method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `${path} takes POST`)
    const args = await readArgs(req)
    const { keys, run } = METHODS[method]
    const unknown = Object.keys(args).filter(k => !keys.includes(k))
    if (unknown.length > 0) throw new HttpError(400, 'BadRequest', `${method} takes ${keys.length === 0 ? 'no arguments' : keys.join(', ')}; not ${unknown.join(', ')}`)
    return send(res, 200, { result: (await run(this, args)) ?? null })
  }

  private authorized (req: IncomingMessage): boolean {
    const header = String(req.headers.authorization ?? '')
    if (!header.startsWith('Bearer ')) return false
    // equal-length digests: the comparison takes the same time whatever was sent
    return timingSafeEqual(digest(header.slice('Bearer '.length).trim()), this.secret)
  }

  /** Run a lifecycle step; `reset` and the first start make the identity when there is none. */
  async lifecycleStep (step: 'start' | 'stop' | 'crash' | 'reset'): Promise<void> {
    await this.serial(async () => {
      if (step === 'reset') return this.fresh()
      if (step === 'stop') return this.node.stop()
      if (step === 'crash') return this.node.crash()
      if (this.node.running()) return
      if (!existsSync(dataPaths(this.node.dir).key)) await this.node.init()
      await this.node.start()
    })
  }
}

type Args = Record<string, unknown>

/** Each method: the arguments it takes, and what it does (inputs checked before the daemon sees them). */
const METHODS: Record<string, { keys: string[], run: (a: Agent, args: Args) => Promise<unknown> }> = {
  start: { keys: [], run: async a => a.lifecycleStep('start') },
  stop: { keys: [], run: async a => a.lifecycleStep('stop') },
  crash: { keys: [], run: async a => a.lifecycleStep('crash') },
  reset: { keys: [], run: async a => a.lifecycleStep('reset') },
  resume: { keys: [], run: async a => running(a).resume() },
  invite: { keys: [], run: async a => running(a).invite() },
  // arguments are checked before the node's state: bad input is a 400 whether it runs or not
  addContact: { keys: ['name', 'invite'], run: async (a, x) => { const [name, invite] = [text(x, 'name'), text(x, 'invite')]; return running(a).addContact(name, invite) } },
  hostMailbox: { keys: ['owner'], run: async (a, x) => { const owner = text(x, 'owner'); return running(a).hostMailbox(owner) } },
  useMailboxes: { keys: ['hosts'], run: async (a, x) => { const hosts = texts(x, 'hosts'); return running(a).useMailboxes(hosts) } },
  send: {
    keys: ['to', 'text', 'ttlMs'],
    run: async (a, x) => {
      const [to, body, ttlMs] = [text(x, 'to'), text(x, 'text'), x.ttlMs == null ? undefined : count(x, 'ttlMs')]
      return running(a).send(to, body, ttlMs)
    }
  },
  // readable while stopped: null then, as DaemonNode gives undefined
  changes: { keys: ['afterRev'], run: async (a, x) => a.node.changes(count(x, 'afterRev')) }
}

function running (a: Agent): DaemonNode {
  if (!a.node.running()) throw new HttpError(409, 'NotRunning', `node ${a.node.name} is not running`)
  return a.node
}

function text (args: Args, key: string): string {
  const v = args[key]
  if (typeof v !== 'string' || v === '') throw new HttpError(400, 'BadRequest', `"${key}" must be a non-empty string`)
  return v
}

function texts (args: Args, key: string): string[] {
  const v = args[key]
  if (!Array.isArray(v) || !v.every(s => typeof s === 'string' && s !== '')) throw new HttpError(400, 'BadRequest', `"${key}" must be a list of non-empty strings`)
  return v
}

function count (args: Args, key: string): number {
  const v = args[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HttpError(400, 'BadRequest', `"${key}" must be a whole number >= 0`)
  return v
}

/** The request body as an object; an empty body is `{}`. */
async function readArgs (req: IncomingMessage): Promise<Args> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'TooLarge', `request body exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  const body = Buffer.concat(chunks).toString('utf8')
  if (body.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new HttpError(400, 'BadRequest', 'request body is not valid JSON')
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'BadRequest', 'request body must be a JSON object')
  return value as Args
}

function daemonError (err: any): HttpError {
  if (err instanceof ApiError) return new HttpError(502, 'DaemonError', `daemon: ${err.message}`, { daemonStatus: err.status })
  return new HttpError(500, 'AgentError', String(err?.message ?? err))
}

function send (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

/** Make `dir` the agent's, or refuse a directory that holds something else. */
function claimDir (dir: string): void {
  const marker = join(dir, AGENT_MARKER)
  if (existsSync(dir) && !existsSync(marker) && readdirSync(dir).length > 0) {
    throw new AgentSetupError(`${dir} is not empty and was not made by ferry sim agent: give the agent a directory of its own (reset deletes what it holds)`)
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  writeFileSync(marker, 'made by `ferry sim agent`; its node/ folder is deleted on reset\n')
}
