/**
 * The `processes` mode of `ferry sim`: one real `ferry start` daemon per node on
 * 127.0.0.1, each in its own data dir, driven only through its control API — the same driver
 * could reach daemons on other machines. Stop is SIGTERM, crash is SIGKILL (SQLite's WAL keeps
 * every acknowledged write). On one loopback there is no link to cut or shape: partitions and
 * link shapes need the netns mode, and are reported as skipped here (results.json skippedEvents).
 */
import { execFile, spawn } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ApiClient } from '../cli/client.js'
import { dataPaths } from '../paths.js'
import { roomEntry, sleep } from './driver.js'
import type { ChildProcess } from 'node:child_process'
import type { GroupMessage } from '../../protocol/groups/history.js'
import type { MessageChange, NetworkControl, NodeControl, RoomControl, RoomEntry } from './driver.js'

/** The ferry bin of this checkout. */
export const FERRY_BIN = resolve(import.meta.dirname, '..', '..', '..', 'node', 'bin', 'ferry.js')

/** Run the ferry CLI; rejects with its stderr on a non-zero exit. */
export async function ferryCli (args: string[], wrap: string[] = []): Promise<string> {
  const [cmd, ...pre] = wrap.length > 0 ? wrap : [process.execPath]
  const argv = wrap.length > 0 ? [...pre, process.execPath, FERRY_BIN, ...args] : [FERRY_BIN, ...args]
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err != null) reject(new Error(`ferry ${args[0]}: ${String(stderr).trim() || err.message}`))
      else resolve(String(stdout))
    })
  })
}

export interface DaemonNodeOptions {
  /** extra `ferry start` arguments (listen addresses) */
  startArgs: string[]
  /** a command prefix, e.g. ['ip', 'netns', 'exec', NS] */
  wrap?: string[]
  /** environment added to this process's for `ferry start` (e.g. clock.ts fakeClockEnv, DEBUG) */
  env?: Record<string, string>
  /** append everything the daemon prints here too, across restarts (one header line per start) */
  logFile?: string
  /**
   * identity string -> node name, shared by the daemons of one run: init() adds this node, and
   * its team rooms name members through it. Without it the node has no room controls.
   */
  identities?: Map<string, string>
}

/** One `ferry start` daemon, driven through its control API. */
export class DaemonNode implements NodeControl {
  private proc?: ChildProcess
  private api?: ApiClient
  log = ''
  /** the highest peak resident memory (VmHWM) of any of this node's processes so far, bytes */
  private peak = 0

  /** team rooms through the control API, when the run shares an identity map (options.identities) */
  readonly rooms?: RoomControl

  constructor (readonly name: string, readonly dir: string, private readonly options: DaemonNodeOptions) {
    const identities = options.identities
    if (identities != null) this.rooms = new DaemonRooms(() => this.client, identity => identities.get(identity) ?? identity)
  }

  async init (): Promise<this> {
    await ferryCli(['init', '--name', this.name, '--data-dir', this.dir], this.options.wrap)
    if (this.options.identities != null) {
      const { identity } = JSON.parse(await ferryCli(['id', '--json', '--data-dir', this.dir], this.options.wrap))
      this.options.identities.set(identity, this.name)
    }
    return this
  }

  running (): boolean {
    return this.proc != null && this.proc.exitCode == null && this.proc.signalCode == null
  }

  async start (): Promise<void> {
    const saved = existsSync(join(this.dir, 'config.json'))
    const args = [FERRY_BIN, 'start', '--data-dir', this.dir, '--no-web', ...(saved ? this.options.startArgs.filter(a => !a.startsWith('/')).filter(a => a !== '--listen') : this.options.startArgs)]
    const wrap = this.options.wrap ?? []
    const spawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] as Array<'ignore' | 'pipe'>, env: { ...process.env, ...this.options.env } }
    const proc = wrap.length > 0 ? spawn(wrap[0], [...wrap.slice(1), process.execPath, ...args], spawnOptions) : spawn(process.execPath, args, spawnOptions)
    this.proc = proc
    const file = this.options.logFile
    if (file != null) appendFileSync(file, `--- ${new Date().toISOString()} ferry start (pid ${proc.pid ?? '?'})\n`)
    const keep = (d: Buffer): void => {
      this.log = (this.log + String(d)).slice(-20_000)
      if (file != null) appendFileSync(file, d)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    rmSync(dataPaths(this.dir).api, { force: true })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (!this.running()) throw new Error(`${this.name} exited: ${this.log.slice(-500)}`)
      if (existsSync(dataPaths(this.dir).api)) {
        try {
          this.api = new ApiClient(this.dir)
          await this.api.get('/v1/status')
          return
        } catch {}
      }
      await sleep(100)
    }
    throw new Error(`${this.name} did not start within 30 s`)
  }

  private async end (signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc
    if (proc == null || !this.running()) return
    const exited = new Promise(resolve => proc.once('exit', resolve))
    this.peakRssBytes() // the last look at this process's memory
    proc.kill(signal)
    await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))])
    this.api = undefined
  }

  async stop (): Promise<void> { await this.end('SIGTERM') }
  async crash (): Promise<void> { await this.end('SIGKILL') }

  private get client (): ApiClient {
    if (this.api == null) throw new Error(`node ${this.name} is not running`)
    return this.api
  }

  async invite (): Promise<string> { return (await this.client.get<{ invite: string }>('/v1/invite')).invite }
  async addContact (name: string, invite: string): Promise<void> { await this.client.post('/v1/contacts', { name, target: invite }) }
  async hostMailbox (owner: string): Promise<void> { await this.client.post('/v1/mailbox/host', { name: owner }) }
  async useMailboxes (hosts: string[]): Promise<void> { await this.client.post('/v1/mailbox/use', { names: hosts }) }
  async resume (): Promise<void> {}

  async send (to: string, text: string, ttlMs?: number): Promise<{ id: string, expiresAt: number }> {
    const m = await this.client.post<{ id: string, expiresAt: number }>('/v1/messages', { contact: to, text, ttlMs })
    return { id: m.id, expiresAt: m.expiresAt }
  }

  async changes (afterRev: number): Promise<MessageChange[] | undefined> {
    if (this.api == null) return undefined
    const rows = await this.api.get<any[]>(`/v1/messages?changedAfter=${afterRev}`)
    return rows.map(m => ({ id: m.id, direction: m.direction, text: m.text, status: m.status, rev: m.rev, mailboxes: m.mailboxes?.length ?? 0, deliveredAt: m.deliveredAt ?? undefined, expiresAt: m.expiresAt }))
  }

  /** Messages waiting in the mailboxes this daemon hosts (0 while it is stopped). */
  async mailboxHeld (): Promise<number> {
    if (this.api == null) return 0
    const status = await this.api.get<{ hosting: Array<{ messages: number }> }>('/v1/mailbox')
    return status.hosting.reduce((n, h) => n + h.messages, 0)
  }

  /**
   * The highest peak resident memory (VmHWM, bytes) of this node's processes: those already ended
   * (read just before each stop or kill) and the running one. 0 before the first start.
   */
  peakRssBytes (): number {
    const pid = this.pid()
    if (pid == null) return this.peak
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      this.peak = Math.max(this.peak, Number(hwm?.[1] ?? 0) * 1024)
    } catch {}
    return this.peak
  }

  /** The daemon's process id, when running. */
  pid (): number | undefined {
    return this.running() ? this.proc?.pid : undefined
  }
}

/** A daemon's team rooms through its control API (members are its contacts' names); nothing while it is stopped. */
class DaemonRooms implements RoomControl {
  constructor (private readonly client: () => ApiClient, private readonly nodeOf: (identity: string) => string) {}

  async create (name: string, members: string[]): Promise<string> { return (await this.client().post<{ group: string }>('/v1/groups', { name, members })).group }
  async admin (group: string, member: string): Promise<void> { await this.client().post('/v1/groups/admin', { group, member }) }
  async add (group: string, member: string): Promise<void> { await this.client().post('/v1/groups/add', { group, members: [member] }) }
  async remove (group: string, member: string): Promise<void> { await this.client().post('/v1/groups/remove', { group, members: [member] }) }

  async joined (group: string): Promise<true | string> {
    const keys = await this.client().get<{ keys: string }>(`/v1/groups/info?group=${encodeURIComponent(group)}`).then(info => info.keys, (err: Error) => `${err.name}: ${err.message}`)
    return keys === 'member' || keys
  }

  async send (group: string, text: string, ttlMs: number): Promise<{ id: string, expiresAt: number, recipients: string[] }> {
    const sent = await this.client().post<{ id: string, expiresAt: number }>('/v1/groups/send', { group, text, ttlMs })
    const entry = (await this.entries(group)).find(e => e.direction === 'out' && e.id === sent.id)
    return { id: sent.id, expiresAt: sent.expiresAt, recipients: entry?.recipients.map(r => r.node) ?? [] }
  }

  async history (): Promise<RoomEntry[]> {
    const rooms = await this.client().get<Array<{ group: string }>>('/v1/groups')
    return (await Promise.all(rooms.map(async r => await this.entries(r.group)))).flat()
  }

  private async entries (group: string): Promise<RoomEntry[]> {
    const messages = await this.client().get<GroupMessage[]>(`/v1/groups/messages?group=${encodeURIComponent(group)}`)
    return messages.map(m => roomEntry(m, this.nodeOf))
  }
}

/** Daemons on one loopback: nothing to cut or shape (results.json lists the events as skipped). */
export class LoopbackNetwork implements NetworkControl {
  async partition (): Promise<string> { return 'skipped: processes on one loopback cannot be partitioned (use netns mode)' }
  async heal (): Promise<string> { return 'skipped: nothing was cut' }
  async shape (): Promise<string | undefined> { return 'skipped: processes on one loopback have no links to shape (use netns mode)' }
}

/** Fresh daemons for the plan's nodes in a temporary directory (`options` per node, or the same for all). */
export async function daemonNodes (names: string[], options: DaemonNodeOptions | ((name: string) => DaemonNodeOptions)): Promise<{ nodes: Map<string, DaemonNode>, dir: string, cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sim-'))
  const nodes = new Map<string, DaemonNode>()
  const identities = new Map<string, string>()
  for (const name of names) nodes.set(name, await new DaemonNode(name, join(dir, name), { ...(typeof options === 'function' ? options(name) : options), identities }).init())
  return { nodes, dir, cleanup: () => { rmSync(dir, { recursive: true, force: true }) } }
}
