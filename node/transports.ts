/**
 * Node transports: WebRTC-direct (UDP, preferred), TCP, WebSockets. No public STUN servers:
 * @libp2p/webrtc defaults to Google/Twilio/Cloudflare/Mozilla STUN, which would leak every user's
 * IP address to them (docs/DESIGN.md invariant 7), so iceServers is empty unless configured.
 */
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'

export interface TransportOptions {
  /** STUN/TURN servers the user or team configured; none by default */
  iceServers?: Array<{ urls: string | string[], username?: string, credential?: string }>
}

export function nodeTransports (options: TransportOptions = {}): [ReturnType<typeof webRTCDirect>, ReturnType<typeof tcp>, ReturnType<typeof webSockets>] {
  const rtcConfiguration = { iceServers: options.iceServers ?? [] }
  return [webRTCDirect({ rtcConfiguration }), tcp(), webSockets()]
}

/** Where a daemon listens in real use (docs/DESIGN.md "Defaults"). */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/udp/7470/webrtc-direct', '/ip4/0.0.0.0/tcp/7470', '/ip4/0.0.0.0/tcp/7471/ws']
