/**
 * Ping that knows a fresh connection is proof of life. kad-dht pings every candidate before it
 * enters the routing table, including a peer that connected to us a moment ago and has just
 * finished identify — one stream per new neighbour, on both sides, which was a third of all DHT
 * traffic when a network forms. A peer with a connection opened within LIVE_MS is answered for
 * without a round trip; any other target (an older connection, which may be half-dead after a
 * network change, or none) gets a real ping. The /ipfs/ping protocol is served as usual.
 */
import { isPeerId, serviceCapabilities } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import type { DialProtocolOptions, DialTarget, Startable } from '@libp2p/interface'
import type { Ping, PingComponents, PingInit } from '@libp2p/ping'

export const LIVE_MS = 30_000

class LivePing implements Ping, Startable {
  readonly [serviceCapabilities] = ['@libp2p/ping']
  readonly [Symbol.toStringTag] = 'ferry:live-ping'
  private readonly real: Ping & Partial<Startable>

  constructor (private readonly components: PingComponents, init: PingInit) {
    this.real = ping(init)(components) as Ping & Partial<Startable>
  }

  async start (): Promise<void> {
    await this.real.start?.()
  }

  async stop (): Promise<void> {
    await this.real.stop?.()
  }

  async ping (peer: DialTarget, options?: DialProtocolOptions): Promise<number> {
    if (isPeerId(peer)) {
      const fresh = this.components.connectionManager.getConnections(peer).some(c => c.status === 'open' && c.limits == null && Date.now() - c.timeline.open < LIVE_MS)
      if (fresh) return 0
    }
    return this.real.ping(peer, options)
  }
}

export function livePing (init: PingInit = {}): (components: PingComponents) => Ping {
  return (components) => new LivePing(components, init)
}
