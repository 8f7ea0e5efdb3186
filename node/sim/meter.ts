/**
 * `ferry sim`: what an in-process run costs — bytes on the wire and CPU time.
 * (Netns mode reads the kernel's counters instead: NetnsNetwork.bytesOnWire() in netns.ts, from
 * `ip -s -j link show` parsed by linkBytes() here.)
 *
 * Bytes: `WireMeter` is a libp2p metrics component (passed to createFerry as `metrics`). libp2p's
 * upgrader hands it every raw connection (`trackMultiaddrConnection`) before anything is sent on
 * it, and the meter counts what the connection hands its transport: each call of the connection's
 * `sendData`, which AbstractMessageStream makes with the bytes that leave its write buffer for the
 * socket, or for the memory transport's pipe. So the count is after every libp2p layer — the
 * multistream-select negotiations, the Noise handshake and its framing and tags, yamux headers,
 * window updates and pings — and before the kernel's (TCP/IP headers, ACKs and retransmissions are
 * not in it; on the memory transport there are none). Bytes a connection queued but never handed
 * over (it was aborted first) are not counted. Every node counts what it sends, so a byte is
 * counted once, by its sender.
 *
 * Relayed connections (`/p2p-circuit` without `/webrtc`) are not counted: their bytes travel as a
 * stream inside the connection to the relay, which is counted (by the sender, and again by the
 * relay when it forwards them, as happens on a real network). WebRTC connections cannot be counted
 * this way (each stream is its own data channel; the connection's `sendData` carries nothing), nor
 * can a connection whose class has no `sendData`; `untracked` says how many there were, so a
 * total that misses some is never silent. In-process runs use the memory transport only.
 *
 * `byProtocol` is another figure: what each protocol's streams wrote (payload handed to yamux,
 * before its headers and before Noise), for telling DHT upkeep from messages. It does not add up
 * to `bytes`.
 *
 * CPU: `ProcessCpu` is this process's CPU time (user + system) since it was made. In-process, the
 * nodes share one process with the driver, so the per-node figure is the whole process's CPU time
 * averaged over the nodes — the driver's own work (ledger, scheduling, polling) included.
 */
import { serviceCapabilities } from '@libp2p/interface'
import { transportOf } from '../../protocol/index.js'
import type { Metrics, MultiaddrConnection, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

interface SendResult { sentBytes: number, canSendMore: boolean }
/** AbstractMessageStream's hook to its transport (protected there; every stream class of libp2p 3.x has it). */
interface Sender { sendData?: (data: Uint8ArrayList) => SendResult }

/** One metric that records nothing: libp2p's components register dozens and update them as they run. */
const nothing = {
  update () {},
  increment () {},
  decrement () {},
  reset () {},
  observe () {},
  timer: () => () => {},
  collect: async () => 0
}

/**
 * Bytes sent on the wire by a set of nodes (see the file header for exactly what is counted).
 *
 * @example
 * const meter = new WireMeter()
 * const ferry = await createFerry({ ...options, metrics: meter.metrics('alice') })
 * // ... later
 * meter.bytes // every byte alice (and every other node given this meter) handed its transports
 */
export class WireMeter {
  /** bytes handed to transports by every node given this meter */
  bytes = 0
  /** connections counted */
  connections = 0
  /** connections that could not be counted (WebRTC, or no sendData): `bytes` misses theirs */
  untracked = 0
  /** relayed connections skipped (their bytes are counted on the connection to the relay) */
  relayed = 0
  /** per node name: bytes it sent */
  readonly byNode = new Map<string, number>()
  /** per protocol: payload its streams wrote (not part of `bytes`; see the file header) */
  readonly byProtocol = new Map<string, number>()

  /**
   * The metrics component for one node: `createFerry({ metrics: meter.metrics(name) })`. A node
   * restarted with the same name adds to its count.
   */
  metrics (node = ''): () => Metrics {
    return () => this.component(node)
  }

  /**
   * Start counting bytes again from now (every byte figure to 0; the connections already tracked
   * stay tracked). For a measured span that leaves set-up out.
   */
  reset (): void {
    this.bytes = 0
    this.byNode.clear()
    this.byProtocol.clear()
  }

  /** Bytes a node sent; 0 for a name never seen. */
  sent (node: string): number {
    return this.byNode.get(node) ?? 0
  }

  private component (node: string): Metrics {
    const metric = (_name: string, options?: { calculate?: unknown }): any => options?.calculate == null ? nothing : undefined
    return {
      [Symbol.toStringTag]: 'ferry-wire-meter',
      [serviceCapabilities]: ['@libp2p/metrics'],
      trackMultiaddrConnection: (maConn: MultiaddrConnection) => { this.trackConnection(node, maConn) },
      trackProtocolStream: (stream: Stream) => { this.trackStream(stream) },
      registerMetric: metric,
      registerMetricGroup: metric,
      registerCounter: metric,
      registerCounterGroup: metric,
      registerHistogram: metric,
      registerHistogramGroup: metric,
      registerSummary: metric,
      registerSummaryGroup: metric,
      traceFunction: (_name: string, fn: any) => fn,
      createTrace: () => undefined
    } as unknown as Metrics
  }

  private trackConnection (node: string, maConn: MultiaddrConnection): void {
    const transport = transportOf(maConn.remoteAddr)
    if (transport === 'circuit-relay') {
      this.relayed++
      return
    }
    // WebRTC sends each stream on its own data channel: its connections' sendData carries nothing
    if (transport === 'webrtc' || transport === 'webrtc-direct' || !this.wrap(maConn as unknown as Sender, n => {
      this.bytes += n
      this.byNode.set(node, (this.byNode.get(node) ?? 0) + n)
    })) {
      this.untracked++
      return
    }
    this.connections++
  }

  private trackStream (stream: Stream): void {
    const protocol = stream.protocol ?? 'unknown'
    this.wrap(stream as unknown as Sender, n => { this.byProtocol.set(protocol, (this.byProtocol.get(protocol) ?? 0) + n) })
  }

  /** Count what `sender` hands its transport from now on; false when it has no sendData. */
  private wrap (sender: Sender, count: (bytes: number) => void): boolean {
    const send = sender.sendData
    if (typeof send !== 'function') return false
    sender.sendData = function (data) {
      const result = send.call(this, data)
      count(result.sentBytes)
      return result
    }
    return true
  }
}

/**
 * This process's CPU time since it was made (or since `reset()`).
 *
 * @example
 * const cpu = new ProcessCpu()
 * // ... the run
 * metrics.cpuMsPerNode = cpu.perNodeMs(nodes.size)
 */
export class ProcessCpu {
  private start: NodeJS.CpuUsage

  /** @param usage - the clock, injectable for tests */
  constructor (private readonly usage: (since?: NodeJS.CpuUsage) => NodeJS.CpuUsage = since => process.cpuUsage(since)) {
    this.start = usage()
  }

  /** Start counting again from now. */
  reset (): void {
    this.start = this.usage()
  }

  /** User + system CPU time since the start, ms. */
  ms (): number {
    const d = this.usage(this.start)
    return (d.user + d.system) / 1000
  }

  /**
   * The process's CPU time averaged over `nodes` (ms): the driver's work is in it too.
   *
   * @throws {RangeError} when nodes is not a positive integer
   */
  perNodeMs (nodes: number): number {
    if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError('"nodes" must be a positive integer')
    return this.ms() / nodes
  }
}

/**
 * Byte counters per interface from `ip -s -j link show` (iproute2's JSON): name -> received and
 * transmitted bytes (`stats64`, falling back to `stats`).
 *
 * @throws Error when the text is not that JSON
 * @example
 * linkBytes(execFileSync('ip', ['-s', '-j', 'link', 'show'], { encoding: 'utf8' })).get('lo')
 */
export function linkBytes (json: string): Map<string, { rx: number, tx: number }> {
  const links: unknown = JSON.parse(json)
  if (!Array.isArray(links)) throw new Error('"ip -s -j link show" output must be a JSON array')
  const out = new Map<string, { rx: number, tx: number }>()
  for (const link of links) {
    const stats = link?.stats64 ?? link?.stats
    const rx = stats?.rx?.bytes
    const tx = stats?.tx?.bytes
    if (typeof link?.ifname !== 'string' || typeof rx !== 'number' || typeof tx !== 'number') throw new Error(`no byte counters for link ${JSON.stringify(link?.ifname)} (run \`ip\` with -s)`)
    out.set(link.ifname, { rx, tx })
  }
  return out
}
