/**
 * App settings kept in localStorage (nothing secret): extra daemons to join through besides the
 * one that served the app, and STUN/TURN servers — none unless the user adds them (docs/DESIGN.md
 * invariant 7: no third party by default).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { browserDialable } from '../../protocol/reach/multiaddrs.js'
import type { IceServer } from '../peer.js'

const KEY = 'ferry.settings'

export interface Settings {
  daemons: string[]
  iceServers: IceServer[]
}

export function loadSettings (): Settings {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}')
    return { daemons: Array.isArray(s.daemons) ? s.daemons.filter((d: unknown) => typeof d === 'string') : [], iceServers: Array.isArray(s.iceServers) ? s.iceServers : [] }
  } catch {
    return { daemons: [], iceServers: [] }
  }
}

export function saveSettings (s: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(s))
}

/**
 * Check a daemon address the user typed.
 *
 * @throws Error saying what is wrong with it
 */
export function checkDaemon (addr: string): string {
  let ma
  try { ma = multiaddr(addr.trim()) } catch (err: any) { throw new Error(`not a multiaddr: ${err.message}`) }
  if (!browserDialable(ma)) throw new Error('a browser can dial a daemon only over /ws, /wss or /webrtc-direct, and the address must end in /p2p/<peer id>')
  return ma.toString()
}

/**
 * Check a STUN/TURN URL the user typed.
 *
 * @throws Error when it is not a stun:, stuns:, turn: or turns: URL
 */
export function checkIceServer (url: string): IceServer {
  const u = url.trim()
  if (!/^(stuns?|turns?):[^\s]+$/.test(u)) throw new Error('a STUN/TURN server looks like stun:host:3478 or turn:host:3478')
  return { urls: u }
}
