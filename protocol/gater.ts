/**
 * Connection gaters composed: a connection is denied when any of them denies it. Ferry adds its own
 * (blocked peers) to what the platform passes (the browser allows private addresses).
 */
import type { ConnectionGater } from '@libp2p/interface'

type Deny = (...args: any[]) => Promise<boolean> | boolean

const CHECKS: Array<keyof ConnectionGater> = ['denyDialPeer', 'denyDialMultiaddr', 'denyInboundConnection', 'denyOutboundConnection', 'denyInboundEncryptedConnection',
  'denyOutboundEncryptedConnection', 'denyInboundUpgradedConnection', 'denyOutboundUpgradedConnection', 'denyInboundRelayReservation', 'denyOutboundRelayedConnection',
  'denyInboundRelayedConnection', 'filterMultiaddrForPeer']

/**
 * One gater that denies whatever any of `gaters` denies. Only the checks some gater has are set,
 * so libp2p's own defaults (a browser refuses private addresses unless told) stay for the others.
 */
export function anyDenies (...gaters: Array<ConnectionGater | undefined>): ConnectionGater {
  const present = gaters.filter((g): g is ConnectionGater => g != null)
  const out: Record<string, Deny> = {}
  for (const name of CHECKS) {
    const checks = present.flatMap(g => typeof g[name] === 'function' ? [(g[name] as Deny).bind(g)] : [])
    if (checks.length === 0) continue
    if (name === 'filterMultiaddrForPeer') {
      // a filter keeps an address when every gater keeps it
      out[name] = async (...args: any[]) => {
        for (const check of checks) if (!await check(...args)) return false
        return true
      }
      continue
    }
    out[name] = async (...args: any[]) => {
      for (const check of checks) if (await check(...args)) return true
      return false
    }
  }
  return out as ConnectionGater
}

/** Refuse every connection to and from the peers `blocked` names. */
export function blockedPeers (blocked: (peer: string) => boolean): ConnectionGater {
  return {
    denyDialPeer: peer => blocked(peer.toString()),
    denyInboundEncryptedConnection: peer => blocked(peer.toString()),
    denyOutboundEncryptedConnection: peer => blocked(peer.toString())
  }
}
