/**
 * config.json in the data dir: the listen addresses a daemon uses. A port given as 0 is replaced
 * by the port actually bound, so a restarted daemon keeps its addresses (invites stay valid).
 */
import { existsSync, readFileSync } from 'node:fs'
import { multiaddr } from '@multiformats/multiaddr'
import { writeSecretFile } from '../keyfile.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface Config {
  listen?: string[]
}

export function readConfig (path: string): Config {
  if (!existsSync(path)) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err: any) {
    throw new Error(`config file ${path} is not valid JSON: ${err.message}`)
  }
}

export function writeConfig (path: string, config: Config): void {
  writeSecretFile(path, JSON.stringify(config, null, 2) + '\n')
}

/** The transport shape of an address: e.g. "udp/webrtc-direct", "tcp/ws", "tcp". */
function shape (ma: Multiaddr): string {
  return ma.getComponents().filter(c => !['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'certhash', 'p2p'].includes(c.name)).map(c => c.name).join('/')
}

function portOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'tcp' || c.name === 'udp')?.value
}

/**
 * Replace port 0 in each configured address with the port that was bound for it.
 *
 * @param configured - what was asked for (e.g. /ip4/127.0.0.1/tcp/0)
 * @param bound - what the node listens on now
 */
export function resolvePorts (configured: string[], bound: Multiaddr[]): string[] {
  return configured.map(c => {
    const want = multiaddr(c)
    if (portOf(want) !== '0') return c
    const host = want.getComponents()[0]
    const match = bound.find(b => shape(b) === shape(want) &&
      (host.value === '0.0.0.0' || host.value === '::' || b.getComponents()[0].value === host.value))
    const port = match == null ? undefined : portOf(match)
    if (port == null) return c
    const parts = want.getComponents().map(p => (p.name === 'tcp' || p.name === 'udp') ? { ...p, value: port } : p)
    return multiaddr(parts).toString()
  })
}
