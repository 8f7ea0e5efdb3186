/**
 * Remote nodes: the driver's side of `ferry sim agent` (agent.ts). A
 * `RemoteNode` is a `NodeControl` that calls one agent over HTTP with its bearer token, so
 * `simulate(scenario, { remote })` plays a scenario against daemons that already run elsewhere —
 * pods of a StatefulSet (k8s.ts), or agents on loopback in the tests.
 *
 * What remote mode cannot do: the driver has no hand on the network between the agents, so
 * partitions, heals and link shapes are not applied. `RemoteNetwork` says so — each such event is
 * in results.json `skippedEvents`, partitions also in `metrics.partitionsNotApplied` — rather than
 * pretending. (NetworkPolicy objects could cut pods apart, but only with a policy-enforcing CNI
 * and a driver allowed to write them; not built.)
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { inBatches, sleep } from './driver.js'
import type { MessageChange, NetworkControl, NodeControl } from './driver.js'
import type { PlannedEvent } from './types.js'

/** Where the nodes are and how to reach them. */
export interface RemoteTarget {
  /** node name -> agent URL (http or https) */
  endpoints: Record<string, string>
  token: string
  /** how long to wait for every agent to answer before giving up (ms, default 60 s) */
  waitMs?: number
}

/** A remote file or target that cannot be used; `problems` lists every reason. */
export class RemoteConfigError extends Error {
  override name = 'RemoteConfigError'
  constructor (readonly problems: string[]) { super(problems.join('\n')) }
}

/** An agent answered with an error. */
export class AgentError extends Error {
  override name = 'AgentError'
  constructor (readonly status: number, message: string, readonly code?: string) { super(message) }
}

const CALL_MS = 30_000
/** start (first start makes the identity), stop and reset wait for a process */
const LIFECYCLE_MS = 120_000
const DEFAULT_WAIT_MS = 60_000

/** One node behind a `ferry sim agent`. */
export class RemoteNode implements NodeControl {
  private up = false

  constructor (readonly name: string, readonly url: string, private readonly token: string) {}

  private async call<T> (method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = CALL_MS): Promise<T> {
    const res = await fetch(new URL(path, this.url), {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body == null ? {} : { 'content-type': 'application/json' }) },
      body: body == null ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    })
    const json = await res.json().catch(() => ({})) as any
    if (!res.ok) throw new AgentError(res.status, `${this.name}: ${String(json.error ?? `HTTP ${res.status}`)}`, json.code)
    return json
  }

  private async post<T = unknown> (method: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<T> {
    return (await this.call<{ result: T }>('POST', `v1/node/${method}`, args, timeoutMs)).result
  }

  /**
   * Wait until the agent answers and check it runs the node this endpoint names.
   *
   * @throws AgentError when it answers for another node, refuses the token, or never answers
   */
  async hello (waitMs = DEFAULT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + waitMs
    for (;;) {
      try {
        const info = await this.call<{ name: string, running: boolean }>('GET', 'v1/node', undefined, 5_000)
        if (info.name !== this.name) throw new AgentError(409, `the agent at ${this.url} runs node "${info.name}", not "${this.name}"`, 'WrongNode')
        this.up = info.running
        return
      } catch (err: any) {
        if (err instanceof AgentError || Date.now() >= deadline) throw err instanceof AgentError ? err : new AgentError(0, `${this.name}: no agent answered at ${this.url} within ${waitMs} ms (${String(err.cause?.code ?? err.message)})`)
      }
      await sleep(1_000)
    }
  }

  running (): boolean { return this.up }

  async start (): Promise<void> {
    await this.post('start', {}, LIFECYCLE_MS)
    this.up = true
  }

  async stop (): Promise<void> { await this.end('stop') }
  async crash (): Promise<void> { await this.end('crash') }

  /** Kill the daemon and give it a fresh identity (no contacts, no messages); it stays stopped. */
  async reset (): Promise<void> { await this.end('reset') }

  private async end (how: 'stop' | 'crash' | 'reset'): Promise<void> {
    await this.post(how, {}, LIFECYCLE_MS)
    this.up = false
  }

  async invite (): Promise<string> { return this.post<string>('invite') }
  async addContact (name: string, invite: string): Promise<void> { await this.post('addContact', { name, invite }) }
  async hostMailbox (owner: string): Promise<void> { await this.post('hostMailbox', { owner }) }
  async useMailboxes (hosts: string[]): Promise<void> { await this.post('useMailboxes', { hosts }) }
  async resume (): Promise<void> { await this.post('resume') }

  async send (to: string, text: string, ttlMs?: number): Promise<{ id: string, expiresAt: number }> {
    return this.post('send', { to, text, ttlMs })
  }

  async changes (afterRev: number): Promise<MessageChange[] | undefined> {
    return (await this.post<MessageChange[] | null>('changes', { afterRev })) ?? undefined
  }

  /** Messages waiting at this node for others (0 while it is stopped). */
  async mailboxHeld (): Promise<number> {
    return (await this.call<{ held: number }>('GET', 'v1/node/mailboxHeld')).held
  }
}

/** No hand on the network between agents: records what was asked and not done. */
export class RemoteNetwork implements NetworkControl {
  readonly notApplied: string[] = []

  constructor (private readonly log: (line: string) => void = () => {}) {}

  async partition (side: string[]): Promise<string> {
    return this.skip(`partition of ${side.length} node${side.length === 1 ? '' : 's'} (${side.slice(0, 3).join(', ')}${side.length > 3 ? ', …' : ''}) not applied: remote mode has no control of the network between agents`)
  }

  async heal (): Promise<string | undefined> {
    if (this.notApplied.some(n => n.startsWith('partition'))) return this.skip('heal: nothing was cut')
  }

  async shape (_nodes: string[], _link: NonNullable<PlannedEvent['link']>): Promise<string | undefined> {
    return 'skipped: remote mode has no control of the links between agents'
  }

  private skip (note: string): string {
    this.notApplied.push(note)
    this.log(`remote: ${note}`)
    return `skipped: ${note}`
  }
}

/**
 * Agents for the plan's nodes: each checked, reset to a fresh identity and started.
 *
 * @throws RemoteConfigError when the endpoints and the plan's nodes differ; AgentError when an agent fails
 */
export async function remoteNodes (names: string[], target: RemoteTarget): Promise<Map<string, RemoteNode>> {
  const problems = checkTarget(target)
  const missing = names.filter(n => target.endpoints[n] == null)
  const extra = Object.keys(target.endpoints).filter(n => !names.includes(n))
  if (missing.length > 0) problems.push(`no endpoint for node${missing.length === 1 ? '' : 's'} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`)
  if (extra.length > 0) problems.push(`endpoint${extra.length === 1 ? '' : 's'} for node${extra.length === 1 ? '' : 's'} the scenario does not have: ${extra.slice(0, 5).join(', ')}`)
  if (problems.length > 0) throw new RemoteConfigError(problems)
  const nodes = new Map(names.map(n => [n, new RemoteNode(n, target.endpoints[n], target.token)]))
  await inBatches([...nodes.values()], async n => { await n.hello(target.waitMs) })
  await inBatches([...nodes.values()], async n => {
    await n.reset()
    await n.start()
  })
  return nodes
}

function checkTarget (t: RemoteTarget): string[] {
  const problems: string[] = []
  if (typeof t.token !== 'string' || t.token.trim() === '') problems.push('token: must be a non-empty string')
  if (t.waitMs != null && (!Number.isSafeInteger(t.waitMs) || t.waitMs < 0)) problems.push('waitMs: must be a whole number of ms >= 0')
  if (t.endpoints == null || typeof t.endpoints !== 'object' || Array.isArray(t.endpoints)) return [...problems, 'endpoints: must map node names to agent URLs']
  for (const [name, url] of Object.entries(t.endpoints)) {
    let ok = false
    try { ok = typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol) } catch {}
    if (!ok) problems.push(`endpoints.${name}: must be an http:// or https:// URL, got ${JSON.stringify(url)}`)
  }
  return problems
}

/**
 * Read a remote file: `{"endpoints": {NODE: URL}, "token": T | "tokenFile": PATH, "waitMs"?: N}`.
 * A relative tokenFile is read from the remote file's folder.
 *
 * @throws RemoteConfigError listing every problem; the file system's error when unreadable
 */
export function readRemoteFile (path: string): RemoteTarget {
  let value: any
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err: any) {
    if (err instanceof SyntaxError) throw new RemoteConfigError([`${path}: not valid JSON (${err.message})`])
    throw err
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new RemoteConfigError([`${path}: must hold a JSON object`])
  const problems = Object.keys(value).filter(k => !['endpoints', 'token', 'tokenFile', 'waitMs'].includes(k)).map(k => `${path}: ${k}: unknown key`)
  if ((value.token == null) === (value.tokenFile == null)) problems.push(`${path}: give exactly one of token and tokenFile`)
  let token = value.token
  if (typeof value.tokenFile === 'string') {
    try {
      token = readFileSync(resolve(dirname(path), value.tokenFile), 'utf8').trim()
      if (token === '') problems.push(`${path}: tokenFile: ${value.tokenFile as string} is empty`)
    } catch (err: any) {
      problems.push(`${path}: tokenFile: cannot read ${value.tokenFile} (${String(err.code ?? err.message)})`)
    }
  } else if (value.tokenFile != null) {
    problems.push(`${path}: tokenFile: must be a path`)
  }
  const target: RemoteTarget = { endpoints: value.endpoints, token: typeof token === 'string' ? token : '', waitMs: value.waitMs }
  problems.push(...checkTarget(target).filter(p => value.tokenFile == null || !p.startsWith('token:')).map(p => `${path}: ${p}`))
  if (problems.length > 0) throw new RemoteConfigError(problems)
  return target
}
