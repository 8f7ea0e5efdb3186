/** Small multiaddr helpers (multiaddr 13 dropped getPeerId). */
import type { Multiaddr } from '@multiformats/multiaddr'

/** The peer an address dials: its final /p2p/ component (a relayed address ends in /p2p-circuit/p2p/<peer>). */
export function targetOf (addr: Multiaddr): string | undefined {
  const last = addr.getComponents().at(-1)
  return last?.name === 'p2p' ? last.value : undefined
}

/** `addr` ending in /p2p/<peer> (added when missing, e.g. after /p2p-circuit). */
export function withPeer (addr: Multiaddr, peer: string): Multiaddr {
  return targetOf(addr) == null ? addr.encapsulate(`/p2p/${peer}`) : addr
}

/**
 * Whether a browser can dial this address of a daemon: WebSockets or WebRTC-direct, naming the
 * peer, not through a relay (browsers have no TCP; a relayed daemon address is no entry point).
 */
export function browserDialable (addr: Multiaddr): boolean {
  const names = addr.getComponents().map(c => c.name)
  return targetOf(addr) != null && !names.includes('p2p-circuit') && (names.includes('ws') || names.includes('wss') || names.includes('webrtc-direct'))
}
