/** Small multiaddr helpers (multiaddr 13 dropped getPeerId). */
import type { Multiaddr } from '@multiformats/multiaddr'

/** The peer id in the last /p2p/ component, if any. */
export function peerIdOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast(c => c.name === 'p2p')?.value
}
