/**
 * The `netns` mode of `ferry sim`: one production `ferry start` daemon per
 * Linux network namespace, all plugged into one bridge — real kernel networking, TCP and
 * WebRTC-direct between real addresses, mDNS discovery on the shared segment, no route anywhere
 * else. Needs root and iproute2 (`ip`, `tc`).
 *
 * Topology. Every name made carries a per-run tag (`fs` + 4 random base-36 characters): the
 * bridge namespace `<tag>-br` holds two bridges, `br0` (the LAN) and `br1` (the far side of a
 * partition); node N (the i-th) lives in namespace `<tag>-<N>` with one veth `<tag>n<i>`
 * (address 10.78.x.y/16, i + 1 = x * 256 + y, so up to MAX_NETNS_NODES nodes) whose peer
 * `<tag>p<i>` is a port of `br0`, and a 224.0.0.0/4 route on it, without which mDNS finds nobody.
 * Interface names stay within Linux's 15 characters; the namespaces are isolated, so the fixed
 * subnet cannot clash with anything on the machine.
 *
 * Partitions move the side's bridge ports from `br0` to `br1`: the side still talks among itself,
 * nobody talks across (as in inprocess mode). The nodes' own links stay up — no carrier loss,
 * no route change — so, as on a real split network, connections across the cut stall until
 * libp2p gives up on them instead of failing at once. A second partition replaces the first;
 * heal() moves every port back.
 *
 * Link shapes are traffic-control qdiscs (shaping.ts): netem where the kernel has it, else a
 * token bucket for rate and a BPF drop filter for loss, with delay and jitter reported as not
 * applied (the run's `skippedEvents` and `metrics.linkShaping` say so). A node's shape applies to
 * what it sends, on its own veth — so a packet from A to B sees A's delay and loss once, and a
 * round trip sees both ends' delays. `rateKbit` also caps what a node receives: its bridge port
 * carries the same rate (and no delay or loss, which would count twice). A shape event changes
 * only the fields it names (merged into the node's current shape); 0 turns a field off.
 *
 * Reaching the daemons. A daemon's control API listens on 127.0.0.1 of its own namespace, which
 * this process cannot see. Each daemon is started with `--api-socket`, which serves the same API
 * (same token) on `<data dir>/api.sock` too; a Unix socket lives in the filesystem, not in a
 * network namespace, and ApiClient uses it when api.json names one. No TCP forward is opened, and
 * calls cost what they cost in processes mode (running the CLI through `ip netns exec` per call
 * would cost a Node start each, ~0.5 s).
 *
 * Bytes on the wire: bytesSent() and bytesOnWire() read the kernel's counters of every node's
 * link (what left the node, all headers included), in one command on the bridge side.
 *
 * Clean-up: destroy() (synchronous, idempotent) SIGKILLs every process left in the namespaces
 * made, deletes them and the daemons' data dirs; it also runs on process exit and on SIGINT or
 * SIGTERM while a network lives.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MAX_SOCKET_PATH_BYTES } from '../daemon/api.js'
import { dataPaths } from '../paths.js'
import { inBatches } from './driver.js'
import { linkBytes } from './meter.js'
import { DaemonNode } from './processes.js'
import { detectShaper, LinkShaper, run } from './shaping.js'
import type { NetworkControl } from './driver.js'
import type { LinkShape } from './types.js'

const execFileAsync = promisify(execFile)

/** Most nodes one netns network holds (a Linux bridge takes 1,024 ports). */
export const MAX_NETNS_NODES = 1000

/** The nodes' subnet: 10.78.0.0/16. */
const SUBNET = '10.78'

/**
 * Why netns mode cannot run on this machine, or undefined when it can.
 *
 * @example
 * const why = netnsUnavailable()
 * if (why != null) console.log(`skipped: netns mode ${why}`)
 */
export function netnsUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (it makes network namespaces, veth pairs and netem qdiscs)'
  for (const tool of ['ip', 'tc']) {
    try { execFileSync(tool, ['-V'], { stdio: 'ignore' }) } catch { return `needs \`${tool}\` (iproute2) on the PATH` }
  }
  return undefined
}

/** One node's place in the network. */
interface Host {
  ns: string
  /** the node's veth, in `ns` */
  iface: string
  /** its peer, a bridge port in the bridge namespace */
  port: string
  address: string
  bridge: 'br0' | 'br1'
  shape: LinkShape
}

/** A bridge LAN of network namespaces, one per node; see the file header. */
export class NetnsNetwork implements NetworkControl {
  readonly bridgeNs: string
  private readonly hosts = new Map<string, Host>()
  /** namespaces made, in order (the bridge first) */
  private readonly made: string[] = []
  /** directories removed with the network (the daemons' data) */
  private readonly dirs: string[] = []
  private shaper = new LinkShaper('netem')
  /** why the initial link shape was only partly applied, if it was */
  linkNote?: string
  private readonly onExit = (): void => { this.destroy() }
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.destroy()
    // nobody else handles it: end the way the signal would have
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }

  private constructor (readonly tag: string) {
    this.bridgeNs = `${tag}-br`
  }

  /**
   * Make the bridge and one namespace per node, each with the initial `link` shape.
   *
   * @param names - node names (letters, digits, '.', '_', '-')
   * @throws Error when a command fails (everything made so far is removed first)
   */
  static async create (names: string[], link: LinkShape = {}, tag = `fs${randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, '0').slice(-4)}`): Promise<NetnsNetwork> {
    if (names.length > MAX_NETNS_NODES) throw new Error(`netns mode holds at most ${MAX_NETNS_NODES} nodes, got ${names.length}`)
    if (!/^[a-z0-9]{1,6}$/.test(tag)) throw new Error(`"tag" must be 1 to 6 lower-case letters or digits, got "${tag}"`)
    const net = new NetnsNetwork(tag)
    process.on('exit', net.onExit)
    process.on('SIGINT', net.onSignal)
    process.on('SIGTERM', net.onSignal)
    try {
      await net.addNamespace(net.bridgeNs)
      for (const br of ['br0', 'br1']) {
        await run('ip', ['-n', net.bridgeNs, 'link', 'add', br, 'type', 'bridge'])
        await run('ip', ['-n', net.bridgeNs, 'link', 'set', br, 'up'])
      }
      net.shaper = new LinkShaper(await detectShaper(net.bridgeNs, 'br1'))
      await inBatches(names.map((name, i) => ({ name, i })), async ({ name, i }) => { net.linkNote = await net.plug(name, i, link) ?? net.linkNote })
    } catch (err) {
      net.destroy()
      throw err
    }
    return net
  }

  private async addNamespace (ns: string): Promise<void> {
    await run('ip', ['netns', 'add', ns])
    this.made.push(ns)
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
  }

  private async plug (name: string, i: number, link: LinkShape): Promise<string | undefined> {
    const n = i + 1
    const host: Host = { ns: `${this.tag}-${name}`, iface: `${this.tag}n${i}`, port: `${this.tag}p${i}`, address: `${SUBNET}.${n >> 8}.${n & 255}`, bridge: 'br0', shape: {} }
    await this.addNamespace(host.ns)
    this.hosts.set(name, host)
    await run('ip', ['link', 'add', host.iface, 'netns', host.ns, 'type', 'veth', 'peer', 'name', host.port, 'netns', this.bridgeNs])
    await run('ip', ['-n', this.bridgeNs, 'link', 'set', host.port, 'master', 'br0', 'up'])
    await run('ip', ['-n', host.ns, 'addr', 'add', `${host.address}/16`, 'dev', host.iface])
    await run('ip', ['-n', host.ns, 'link', 'set', host.iface, 'up'])
    await run('ip', ['-n', host.ns, 'route', 'replace', '224.0.0.0/4', 'dev', host.iface])
    return this.reshape(host, link)
  }

  /** 'netem', or 'tbf+bpf' on a kernel without netem (rate and loss only: shaping.ts). */
  get shaperKind (): string {
    return this.shaper.kind
  }

  /** The node's IPv4 address on the LAN. */
  address (name: string): string {
    return this.host(name).address
  }

  /** The node's namespace. */
  namespace (name: string): string {
    return this.host(name).ns
  }

  /** A command prefix that runs a command in the node's namespace. */
  wrap (name: string): string[] {
    return ['ip', 'netns', 'exec', this.host(name).ns]
  }

  /** The node's current link shape. */
  shapeOf (name: string): LinkShape {
    return { ...this.host(name).shape }
  }

  /** The bridge the node's port is on: 'br1' while it is on the cut-off side. */
  bridgeOf (name: string): 'br0' | 'br1' {
    return this.host(name).bridge
  }

  private host (name: string): Host {
    const h = this.hosts.get(name)
    if (h == null) throw new Error(`no node "${name}" in this netns network`)
    return h
  }

  /** Cut `side` off from the rest: its ports move to the second bridge (a partition in force is replaced). */
  async partition (side: string[]): Promise<void> {
    const cut = new Set(side)
    await this.place(name => cut.has(name) ? 'br1' : 'br0')
  }

  /** Every port back on the LAN bridge. */
  async heal (): Promise<void> {
    await this.place(() => 'br0')
  }

  private async place (bridgeFor: (name: string) => 'br0' | 'br1'): Promise<void> {
    await inBatches([...this.hosts], async ([name, h]) => {
      const want = bridgeFor(name)
      if (h.bridge === want) return
      await run('ip', ['-n', this.bridgeNs, 'link', 'set', h.port, 'master', want])
      h.bridge = want
    })
  }

  /**
   * Change the named nodes' shapes (every node when `nodes` is empty); see the file header.
   *
   * @returns a note when part of the shape could not be applied (no netem in this kernel)
   */
  async shape (nodes: string[], link: LinkShape): Promise<string | undefined> {
    const names = nodes.length === 0 ? [...this.hosts.keys()] : nodes.filter(n => this.hosts.has(n))
    let note: string | undefined
    await inBatches(names, async name => { note = await this.reshape(this.host(name), link) ?? note })
    return note == null ? undefined : `partly applied: ${note}`
  }

  private async reshape (h: Host, link: LinkShape): Promise<string | undefined> {
    h.shape = { ...h.shape, ...link }
    const note = await this.shaper.apply(h.ns, h.iface, h.shape, 'sent')
    await this.shaper.apply(this.bridgeNs, h.port, h.shape, 'received')
    return note
  }

  /**
   * What each node has sent on its link since the network was made, in bytes: its veth's
   * tx_bytes, read in one command on the bridge side as its port's rx_bytes (the two ends of a
   * veth pair count the same frames). These are the kernel's counters, so everything that left the
   * node is in them — Ethernet, IP and TCP/UDP headers, TCP ACKs and retransmissions, mDNS, ARP and
   * IPv6 neighbour discovery — and packets its own shaping dropped are not (they never left it).
   * Read them before destroy(): the counters go with the namespaces.
   *
   * @throws Error when `ip` fails or a node's port is missing
   */
  async bytesSent (): Promise<Map<string, number>> {
    const { stdout } = await execFileAsync('ip', ['-n', this.bridgeNs, '-s', '-j', 'link', 'show'], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 })
    const links = linkBytes(stdout)
    const sent = new Map<string, number>()
    for (const [name, h] of this.hosts) {
      const port = links.get(h.port)
      if (port == null) throw new Error(`no counters for ${h.port} (node ${name}) in ${this.bridgeNs}`)
      sent.set(name, port.rx)
    }
    return sent
  }

  /** Bytes sent on the wire by all nodes since the network was made: bytesSent() summed. */
  async bytesOnWire (): Promise<number> {
    let total = 0
    for (const n of (await this.bytesSent()).values()) total += n
    return total
  }

  /** Remove `dir` too when the network is destroyed (also on exit or a signal). */
  removeWith (dir: string): void {
    this.dirs.push(dir)
  }

  /** SIGKILL every process in the namespaces made and delete them (veths and bridges go with them). */
  destroy (): void {
    process.off('exit', this.onExit)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    const namespaces = this.made.splice(0).reverse()
    for (const ns of namespaces) {
      for (const pid of pidsIn(ns)) try { process.kill(pid, 'SIGKILL') } catch {}
    }
    for (const ns of namespaces) try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }) } catch {}
    this.hosts.clear()
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}

function pidsIn (ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map(Number)
  } catch { return [] }
}

/** Daemons set up for a netns network: each in its namespace, listening on its LAN address. */
export interface NetnsDaemons {
  nodes: Map<string, DaemonNode>
  /** where their data dirs are */
  dir: string
  /** delete the data dirs */
  cleanup(): void
}

/** What else each daemon of a netns network gets. */
export interface NetnsDaemonOptions {
  /** environment added for a node's `ferry start` (a skewed clock: clock.ts fakeClockEnv) */
  env?: (name: string) => Record<string, string> | undefined
  /** a directory where each node's output is appended to `<name>.log`, across restarts */
  logDir?: string
}

/**
 * `ferry init` and `ferry start` one daemon per node of `net`: TCP and WebRTC-direct on the node's
 * address, mDNS on, the control API also on its Unix socket.
 *
 * @throws Error when a daemon cannot be set up or started (the data dirs are removed; stopping
 * the processes is `net.destroy()`'s job)
 */
export async function netnsDaemons (net: NetnsNetwork, names: string[], options: NetnsDaemonOptions = {}): Promise<NetnsDaemons> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sim-'))
  net.removeWith(dir)
  const cleanup = (): void => { rmSync(dir, { recursive: true, force: true }) }
  const nodes = new Map<string, DaemonNode>()
  const identities = new Map<string, string>()
  try {
    for (const name of names) {
      const socket = dataPaths(join(dir, name)).socket
      if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) throw new Error(`node name "${name}" makes the API socket path ${socket} too long for a Unix socket`)
      const address = net.address(name)
      nodes.set(name, new DaemonNode(name, join(dir, name), {
        wrap: net.wrap(name),
        startArgs: ['--api-socket', '--listen', `/ip4/${address}/tcp/0`, '--listen', `/ip4/${address}/udp/0/webrtc-direct`],
        env: options.env?.(name),
        logFile: options.logDir == null ? undefined : join(options.logDir, `${name}.log`),
        identities
      }))
    }
    // a daemon start is a Node start plus libp2p: a few at a time on a small machine
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map(async n => {
        const node = nodes.get(n) as DaemonNode
        await node.init()
        await node.start()
      }))
    }
  } catch (err) {
    cleanup()
    throw err
  }
  return { nodes, dir, cleanup }
}

/** Peak resident memory (bytes) and CPU time (ms) of a live process, from /proc; undefined when gone. */
export function processUsage (pid: number): { rssBytes: number, cpuMs: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
    // fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in ticks
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return { rssBytes: Number(hwm?.[1] ?? 0) * 1024, cpuMs: Math.round(ticks * 1000 / CLOCK_TICKS) }
  } catch { return undefined }
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100
