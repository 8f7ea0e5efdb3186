/**
 * Network namespaces made by a test: hosts joined by veth
 * pairs to bridges that live in their own namespace, with the multicast route mDNS needs. Daemons
 * run inside a host namespace and are driven through the CLI run there too (their control API
 * listens on that namespace's 127.0.0.1). Everything made is removed by destroy(), processes
 * first. Needs root and iproute2; haveNetns() says whether this machine has them.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, sleep, waitFor } from './harness.js'
import type { ChildProcess } from 'node:child_process'

export function haveNetns (): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
    return true
  } catch { return false }
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' })

export interface Link { ns: string, iface: string, address: string }

export class Netns {
  private readonly made: string[] = []
  private links = 0
  /** a short tag unique to this test process, in every name made */
  readonly tag = `f${process.pid % 100000}`

  /** A new namespace holding only loopback (up). */
  add (name: string): string {
    const ns = `${this.tag}-${name}`
    ip('netns', 'add', ns)
    this.made.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    return ns
  }

  /** A bridge (a switch) in a namespace of its own. */
  bridge (name: string): { ns: string, br: string } {
    const ns = this.add(name)
    ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', ns, 'link', 'set', 'br0', 'up')
    return { ns, br: 'br0' }
  }

  /** Plug host namespace `ns` into a bridge with `address` (CIDR), plus the multicast route mDNS needs. */
  plug (ns: string, bridge: { ns: string, br: string }, address: string): Link {
    const n = ++this.links
    const iface = `${this.tag}h${n}`
    const port = `${this.tag}b${n}`
    ip('link', 'add', iface, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', bridge.ns)
    ip('-n', bridge.ns, 'link', 'set', port, 'master', bridge.br, 'up')
    ip('-n', ns, 'addr', 'add', address, 'dev', iface)
    ip('-n', ns, 'link', 'set', iface, 'up')
    this.multicastRoute(ns, iface)
    return { ns, iface, address: address.split('/')[0] }
  }

  /** Add the 224.0.0.0/4 route (the kernel drops it when the link goes down). */
  multicastRoute (ns: string, iface: string): void {
    try { ip('-n', ns, 'route', 'replace', '224.0.0.0/4', 'dev', iface) } catch {}
  }

  down (link: Link): void {
    ip('-n', link.ns, 'link', 'set', link.iface, 'down')
  }

  up (link: Link): void {
    ip('-n', link.ns, 'link', 'set', link.iface, 'up')
    this.multicastRoute(link.ns, link.iface)
  }

  /** End every process in the namespaces made, then delete them. */
  async destroy (): Promise<void> {
    for (const ns of this.made) {
      for (const pid of pidsIn(ns)) try { process.kill(pid, 'SIGKILL') } catch {}
    }
    await sleep(200)
    for (const ns of this.made.reverse()) try { ip('netns', 'del', ns) } catch {}
    this.made.length = 0
  }
}

function pidsIn (ns: string): number[] {
  try { return ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number) } catch { return [] }
}

/** Run the ferry CLI inside a namespace; never rejects on a non-zero exit. */
export async function nsCli (ns: string, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { timeout: 30_000 }, (err: any, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** A `ferry start` daemon inside a namespace, driven by the CLI run in the same namespace. */
export class NsDaemon {
  proc?: ChildProcess
  log = ''

  constructor (readonly ns: string, readonly dir: string, readonly name: string) {}

  async init (): Promise<this> {
    const r = await nsCli(this.ns, ['init', '--name', this.name, '--data-dir', this.dir])
    if (r.code !== 0) throw new Error(`init ${this.name}: ${r.stderr}`)
    return this
  }

  async start (args: string[]): Promise<this> {
    const proc = spawn('ip', ['netns', 'exec', this.ns, process.execPath, BIN, 'start', '--data-dir', this.dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    proc.stdout.on('data', d => { this.log += String(d) })
    proc.stderr.on('data', d => { this.log += String(d) })
    await waitFor(`${this.name} daemon`, async () => {
      if (proc.exitCode != null) throw new Error(`${this.name} exited with ${proc.exitCode}: ${this.log}`)
      return existsSync(join(this.dir, 'api.json')) && (await this.run(['status', '--json'])).code === 0
    })
    return this
  }

  async stop (): Promise<void> {
    const proc = this.proc
    if (proc == null || proc.exitCode != null) return
    const exited = new Promise(resolve => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))])
  }

  /** The CLI with this daemon's data dir, in its namespace. */
  async run (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
    return nsCli(this.ns, [...args, '--data-dir', this.dir])
  }

  /** The CLI with --json; throws on a non-zero exit. */
  async json<T = any> (args: string[]): Promise<T> {
    const r = await this.run([...args, '--json'])
    if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} (${this.name}): ${r.stderr.trim()}`)
    return JSON.parse(r.stdout)
  }
}
