/**
 * `/ferry/bundle/1.0.0`: fetch a prekey bundle straight from a connected peer (DESIGN.md "Wire
 * protocols"), with a fresh one-time prekey while the requester's budget lasts (constants.ts).
 * Request/response, one stream each: the requester sends nothing, the responder writes one
 * length-prefixed encoded PrekeyBundle and closes.
 *
 * @example
 * const bundle = await node.services.bundles.fetch(connection)
 */
import { BundlesService } from './bundle.js'
import type { AbortOptions, ComponentLogger, Connection, PeerId } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export * from './constants.js'
export { BundleBudgetError } from './errors.js'

export interface BundlesComponents {
  registrar: Registrar
  logger: ComponentLogger
}

/** What the requester may have, decided by the service's budgets. */
export interface BundleRequest {
  peer: PeerId
  /** include a one-time prekey (it is handed out to this requester only) */
  oneTime: boolean
  /** the requester is not a contact: its one-time prekeys come from a smaller share */
  stranger: boolean
}

export interface BundlesInit {
  /** this device's encoded bundle for `request` */
  provide(request: BundleRequest): Promise<Uint8Array>
  /** whether `peer` is a contact (a larger budget); default: nobody is */
  isContact?(peer: PeerId): Promise<boolean>
  /** clock in ms, injectable for tests */
  now?(): number
}

export interface Bundles {
  /**
   * The connected peer's encoded bundle (not yet verified: the caller checks it).
   *
   * @throws when the stream fails, the peer refused (over its budget), or the answer is over MAX_BUNDLE_BYTES
   */
  fetch(connection: Connection, options?: AbortOptions): Promise<Uint8Array>
}

export function bundles (init: BundlesInit): (components: BundlesComponents) => Bundles {
  return (components) => new BundlesService(components, init)
}
