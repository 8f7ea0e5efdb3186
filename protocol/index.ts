/**
 * Ferry's platform-independent core. Runs unchanged in Node.js and browsers (DESIGN.md invariant 1).
 */
export * from './constants.js'
export * from './errors.js'
export * from './crypto.js'
export * from './ferry.js'
export * from './identity.js'
export * from './invite.js'
export * from './contacts.js'
export * from './stores.js'
export * from './memory-stores.js'
export { checkText, decodeEnvelope, checkEnvelope, encodePayload, decodePayload, pad, unpad, toHex, fromHex, Envelope, Content } from './envelope.js'
export { transportOf } from './reach.js'
export type { TransportName } from './reach.js'
export { directMessages, DM_PROTOCOL, EnvelopeRejectedError, DmStreamClosedError } from './services/dm/index.js'
export type { DirectMessages, EnvelopeReceiver } from './services/dm/index.js'
export * from './safety.js'
