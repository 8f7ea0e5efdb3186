/**
 * Linking this browser to an existing Ferry identity (docs/DEVICES.md "Linking"): a short-lived
 * libp2p node with a new device key dials the device that made the link code (WebSockets first,
 * then WebRTC-direct), runs `/ferry/link/1.0.0`, and checks what comes back before anything is
 * kept: the identity the code named, a certificate for this device, a device list signed by it,
 * and each message of history (when the code offered it).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { crossSignDevice, identityKeyFromBytes, identityToString, verifyDevice } from '../protocol/crypto/identity.js'
import { decodeDeviceList } from '../protocol/devices/device-list.js'
import { parseLinkCode, requestLink } from '../protocol/devices/link.js'
import { decodeHistoryChunk, decodeLinkPayload } from '../protocol/devices/link-payload.js'
import { browserCrypto } from './crypto.js'
import type { Identity } from '../protocol/crypto/identity.js'
import type { LinkPayload } from '../protocol/devices/link-payload.js'
import type { MessageRecord } from '../protocol/stores/stores.js'

export interface Linked {
  identity: Identity
  payload: LinkPayload
  /** the number the existing device logged: the same on both sides */
  confirm: string
  /** the messages of history that came over the link (when the code offered them), checked */
  history: MessageRecord[]
}

/**
 * @throws InvalidInputError for a damaged or expired code; LinkError with the existing device's
 *   reason; Error when it cannot be reached or its answer does not hold
 */
export async function linkThisBrowser (code: string, deviceName: string): Promise<Linked> {
  const parsed = parseLinkCode(code, Date.now())
  const crypto = await browserCrypto()
  const deviceKey = await generateKeyPair('Ed25519')
  const node = await createLibp2p({
    privateKey: deviceKey,
    transports: [webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false }
  })
  let answer
  const history: MessageRecord[] = []
  try {
    const usable = parsed.addrs.filter(a => /\/wss?$|\/webrtc-direct\//.test(a)).sort((a, b) => Number(!/\/wss?$/.test(a)) - Number(!/\/wss?$/.test(b)))
    if (usable.length === 0) throw new Error('the link code names no address a browser can reach (WebSockets or WebRTC-direct)')
    const connection = await node.dial(usable.map(a => multiaddr(`${a}/p2p/${parsed.peer}`)), { signal: AbortSignal.timeout(20_000) })
    answer = await requestLink(crypto, connection, node.peerId, parsed, await crossSignDevice(deviceKey, parsed.identity), deviceName, async chunk => { history.push(...decodeHistoryChunk(chunk)) })
  } finally {
    await node.stop()
  }
  const payload = decodeLinkPayload(answer.payload)
  const identityKey = identityKeyFromBytes(payload.identityKey) // the public key (an older device sent the private one)
  if (identityToString(identityKey.publicKey.raw) !== identityToString(parsed.identity)) throw new Error('the answer holds another identity than the code named')
  if (!await verifyDevice(parsed.identity, node.peerId.toMultihash().bytes, payload.certificate)) throw new Error('the certificate in the answer does not verify')
  await decodeDeviceList(payload.devices, parsed.identity)
  return { identity: { identityKey, deviceKey, deviceSignature: payload.certificate }, payload, confirm: answer.confirm, history }
}

/** A request to the daemon that served this page: the code it shows, and its approval. */
export interface LinkAsk {
  /** the 6 digits `ferry device approve` takes */
  code: string
  /** resolves with a link code once the daemon's user approved; rejects when the request ended */
  approved(): Promise<string>
}

/**
 * Ask the daemon that served this page to let this browser link to its user (docs/DEVICES.md
 * "Linking a browser in one click"): the daemon's user approves with `ferry device approve CODE`.
 *
 * @throws Error with the daemon's reason (too many requests waiting, no daemon)
 */
export async function askToLink (deviceName: string): Promise<LinkAsk> {
  const res = await fetch('/link-requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: deviceName }) })
  const made = await res.json().catch(() => ({}))
  if (!res.ok || typeof made.id !== 'string' || typeof made.code !== 'string') throw new Error(made.error ?? `the daemon refused (HTTP ${res.status})`)
  return {
    code: made.code,
    approved: async () => {
      for (;;) {
        await new Promise(resolve => setTimeout(resolve, 1000))
        const state = await (await fetch(`/link-requests/${made.id as string}`, { cache: 'no-store' })).json().catch(() => ({}))
        if (state.state === 'approved' && typeof state.link === 'string') return state.link
        if (state.state !== 'waiting') throw new Error('the request ended before it was approved (after 10 minutes, or the daemon restarted): press the button again')
      }
    }
  }
}
