/**
 * The private Kademlia DHT (DESIGN.md "Discovery and reachability"): protocol /ferry/kad/1.0.0, so
 * it never joins the public Amino DHT, no bootstrap list (peers come from contacts, invites, mDNS
 * and the persisted peer store), Ferry's record rules, and addresses kept as announced — a team's
 * network is often private or link-local, which the public DHT's mapper would drop.
 */
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { dhtRecordRules } from './records.js'
import type { CryptoBackend } from './crypto.js'

export const DHT_PROTOCOL = '/ferry/kad/1.0.0'

export function privateDht (mode: 'server' | 'client', now: () => number, crypto: CryptoBackend): ReturnType<typeof kadDHT> {
  const { validators, selectors } = dhtRecordRules(now, crypto)
  return kadDHT({
    protocol: DHT_PROTOCOL,
    clientMode: mode === 'client',
    validators,
    selectors,
    peerInfoMapper: passthroughMapper
  })
}
