/**
 * The browser as a full Ferry peer: the same `createFerry(...)` as the daemon, with
 * browser transports, IndexedDB stores and the browser crypto backend.
 *
 * Transports: WebSockets and WebRTC-direct reach daemons (WebRTC-direct needs no CA certificate:
 * the certhash is in the address); WebRTC (private-to-private) reaches other browsers, signalled
 * through a relay slot each browser holds on its daemons; the circuit relay client is in every
 * Ferry node. No STUN/TURN server unless the user configured one (docs/DESIGN.md invariant 7).
 */
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createFerry } from '../protocol/create-ferry.js'
import { browserCrypto } from './crypto.js'
import type { Ferry } from '../protocol/ferry.js'
import type { Identity } from '../protocol/crypto/identity.js'
import type { FerryStores } from '../protocol/stores/stores.js'
import type { DeviceListStore } from '../protocol/devices/devices.js'

/** A STUN/TURN server the user configured. */
export interface IceServer { urls: string | string[], username?: string, credential?: string }

export interface BrowserPeerOptions {
  identity: Identity
  name: string
  stores: FerryStores
  /**
   * Daemons this browser joins through: each is a bootstrap peer, a relay (this browser holds a
   * slot on every one, so one refusal does not cut it off) and, where agreed, a mailbox host.
   * Multiaddrs ending in /p2p/<peer id>.
   */
  daemons: string[]
  /** none by default: no third party learns this browser's address */
  iceServers?: IceServer[]
  /** where the identity's signed device list is kept */
  deviceList?: DeviceListStore
}

/**
 * Assemble the browser peer (not started).
 *
 * @throws InvalidInputError when a daemon address does not end in /p2p/<peer id>
 */
export async function createBrowserPeer (opts: BrowserPeerOptions): Promise<Ferry> {
  const rtcConfiguration = { iceServers: opts.iceServers ?? [] }
  return createFerry({
    identity: opts.identity,
    name: opts.name,
    stores: opts.stores,
    deviceList: opts.deviceList,
    transports: [webSockets(), webRTCDirect({ rtcConfiguration }), webRTC({ rtcConfiguration })],
    // '/webrtc' accepts WebRTC offers signalled through a relay; relay slots come from `relays`
    listen: ['/webrtc'],
    relays: opts.daemons,
    bootstrap: opts.daemons,
    // a tab is not reachable and may close any moment: never a DHT server
    dht: 'client',
    // WebCrypto where it is native and faster (X25519 ~5x, Ed25519 verify ~10x), @noble elsewhere
    crypto: await browserCrypto(),
    // libp2p's browser default refuses private addresses and plain ws://: a team's daemons are on
    // the LAN or this machine, which is the point of Ferry
    connectionGater: { denyDialMultiaddr: async () => false }
  })
}
