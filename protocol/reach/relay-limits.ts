/**
 * Per-address caps for the circuit relay v2 server a daemon runs (RELAY_LIMITS: 32 reservations
 * in all). Peer ids are free, so one machine could take every reservation slot, and open relayed
 * connections without bound. The connection gater counts by the remote's address (the IP, or the
 * whole address for transports without one) instead:
 *
 * - a reservation is refused when RELAY_RESERVATIONS_PER_ADDRESS other peers from that address
 *   hold one (a renewal is never refused);
 * - a relayed connection is refused when RELAYED_CONNECTIONS_PER_ADDRESS relayed connections from
 *   that address are already open (each is a hop stream open both ways).
 *
 * Many teammates behind one NAT share an address: they still share 8 slots, and a relay is only
 * needed by peers others cannot dial.
 */
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Reservations the peers from one address may hold at once. */
export const RELAY_RESERVATIONS_PER_ADDRESS = 8

/** Relayed connections the peers from one address may have open through this relay at once. */
export const RELAYED_CONNECTIONS_PER_ADDRESS = 16

/** What the gater needs from the node: its connections and its relay service. */
export interface RelayView {
  getConnections(peer?: PeerId): Connection[]
  relay?: CircuitRelayService
}

/** The remote's address for counting: its IP, or the address itself when it has none (memory). */
export function addressKey (addr: Multiaddr): string {
  const [first] = addr.getComponents()
  if (first != null && ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(first.name) && first.value != null) return first.value
  return addr.toString().replace(/\/p2p\/[^/]+$/, '')
}

const isRelayed = (c: Connection): boolean => c.remoteAddr.getComponents().some(p => p.name === 'p2p-circuit')

/** The addresses `peer` is connected from (relayed connections aside). */
function addressesOf (view: RelayView, peer: PeerId): Set<string> {
  return new Set(view.getConnections(peer).filter(c => !isRelayed(c)).map(c => addressKey(c.remoteAddr)))
}

/**
 * `gater` (the platform's, possibly none) with the per-address relay caps added; every other
 * decision is the platform's.
 *
 * @param view - the node, once it exists (the gater is made before libp2p)
 */
export function relayGater (gater: ConnectionGater | undefined, view: () => RelayView | undefined, limits = { reservations: RELAY_RESERVATIONS_PER_ADDRESS, relayed: RELAYED_CONNECTIONS_PER_ADDRESS }): ConnectionGater {
  const caps: ConnectionGater = {
    async denyInboundRelayReservation (source) {
      if (await gater?.denyInboundRelayReservation?.(source) === true) return true
      const node = view()
      const reservations = node?.relay?.reservations
      if (node == null || reservations == null) return false
      const mine = addressesOf(node, source)
      let held = 0
      for (const [peer, r] of reservations.entries()) {
        if (!peer.equals(source) && mine.has(addressKey(r.addr))) held++
      }
      return held >= limits.reservations
    },
    async denyOutboundRelayedConnection (source, destination) {
      if (await gater?.denyOutboundRelayedConnection?.(source, destination) === true) return true
      const node = view()
      if (node == null) return false
      const mine = addressesOf(node, source)
      // hop streams open both ways: relayed connections, and requests being answered (this one
      // among them); an answered request's stream is closed by one side or the other
      let open = 0
      for (const c of node.getConnections()) {
        if (isRelayed(c) || !mine.has(addressKey(c.remoteAddr))) continue
        open += c.streams.filter(s => s.protocol === RELAY_V2_HOP_CODEC && s.writeStatus === 'writable' && s.remoteWriteStatus === 'writable').length
      }
      return open > limits.relayed
    }
  }
  return Object.assign(Object.create(gater ?? null), caps)
}
