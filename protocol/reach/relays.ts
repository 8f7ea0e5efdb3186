/**
 * Relay reservations: a node that cannot be reached directly names relays
 * (reachable teammates' daemons running the relay server) and holds a slot on each, so others
 * reach it at `<relay>/p2p-circuit/p2p/<self>` — the address appears in its invites, `ferry id`
 * and the DHT. A slot lost with the relay's connection (or never made because the relay was
 * down) is retried every RELAY_RETRY_MS; libp2p refreshes live reservations itself.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidInputError } from '../errors.js'
import { targetOf } from './multiaddrs.js'
import type { Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const RELAY_RETRY_MS = 30_000

/** Parse configured peer addresses (relays, bootstrap peers); each must name the peer's id. */
export function parsePeerAddrs (what: string, addrs: string[]): Multiaddr[] {
  return addrs.map(r => {
    let ma: Multiaddr
    try { ma = multiaddr(r) } catch (err: any) { throw new InvalidInputError(`${what} ${r}: ${err.message}`) }
    if (targetOf(ma) == null) throw new InvalidInputError(`${what} ${r}: the address must end in /p2p/<peer id>`)
    return ma
  })
}

export class RelayReservations {
  private timer?: ReturnType<typeof setInterval>
  private checking?: Promise<void>

  /**
   * @param listen - listen on an address (a `/p2p-circuit` one makes a reservation)
   * @param addresses - this node's current addresses
   */
  constructor (private readonly relays: Multiaddr[], private readonly listen: (addr: Multiaddr) => Promise<void>, private readonly addresses: () => Multiaddr[], private readonly log: Logger) {}

  start (): void {
    if (this.relays.length === 0) return
    void this.check()
    this.timer = setInterval(() => { void this.check() }, RELAY_RETRY_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Relays (peer ids) this node currently holds a slot on. */
  held (): string[] {
    const ids = new Set<string>()
    for (const a of this.addresses()) {
      const parts = a.getComponents()
      const circuit = parts.findIndex(c => c.name === 'p2p-circuit')
      const relay = circuit > 0 ? parts[circuit - 1] : undefined
      if (relay?.name === 'p2p' && relay.value != null) ids.add(relay.value)
    }
    return [...ids]
  }

  /** Reserve on every configured relay that has no slot now. */
  async check (): Promise<void> {
    this.checking ??= (async () => {
      const held = new Set(this.held())
      for (const relay of this.relays) {
        if (held.has(targetOf(relay) ?? '')) continue
        try {
          await this.listen(relay.encapsulate('/p2p-circuit'))
          this.log('holding a relay slot on %s', relay.toString())
        } catch (err: any) {
          this.log('no relay slot on %s yet: %s', relay.toString(), err.message)
        }
      }
    })().finally(() => { this.checking = undefined })
    return this.checking
  }
}
