/**
 * `/ferry/dm/1.0.0`: deliver envelopes straight to a connected peer and get a signed delivery
 * receipt for each, sent only after the receiver has durably stored it.
 *
 * One long-lived stream per peer pair and direction carries many envelopes, pipelined with a
 * bounded number in flight; replies come back in arrival order (DESIGN.md "Wire protocols").
 *
 * @example
 * const node = await createLibp2p({ services: { dm: directMessages({ receiver }) } })
 * const receipt = await node.services.dm.send(connection, envelopeBytes)
 */
import { DirectMessagesService } from './dm.js'
import type { DeliveryReceipt } from '../../receipts/pb/receipt.js'
import type { CryptoBackend } from '../../crypto/backend.js'
import type { Envelope } from '../../pb/ferry.js'
import type { AbortOptions, ComponentLogger, Connection, PeerId, PrivateKey } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export { PROTOCOL as DM_PROTOCOL } from './constants.js'
export { EnvelopeRejectedError, DmStreamClosedError } from './errors.js'
export { DmReply, Rejection } from './pb/dm.js'
export { DeliveryReceipt } from '../../receipts/pb/receipt.js'

/** Where received envelopes go. `accept` resolves only once the envelope is durably stored. */
export interface EnvelopeReceiver {
  /**
   * @returns when it was stored (the original time for a duplicate)
   * @throws InvalidEnvelopeError when the payload is unacceptable
   */
  accept(envelope: Envelope, bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }>
}

export interface DirectMessagesComponents {
  registrar: Registrar
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
}

export interface DirectMessagesInit {
  receiver: EnvelopeReceiver
  /** signatures and hashes; default: the platform-independent backend */
  crypto?: CryptoBackend
  /** clock in ms, injectable for tests */
  now?(): number
  maxInFlight?: number
  receiptTimeout?: number
  idleTimeout?: number
  maxInboundStreams?: number
  maxOutboundStreams?: number
}

export interface DirectMessages {
  /**
   * Send one encoded envelope over `connection` and wait for its verified receipt.
   *
   * @throws EnvelopeRejectedError when the receiver refuses it, DmStreamClosedError when the stream fails
   */
  send(connection: Connection, envelope: Uint8Array, options?: AbortOptions): Promise<DeliveryReceipt>
}

export function directMessages (init: DirectMessagesInit): (components: DirectMessagesComponents) => DirectMessages {
  return (components) => new DirectMessagesService(components, init)
}
