import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MailboxHost {
  peerId: Uint8Array
  addrs: Uint8Array[]
}

export namespace MailboxHost {
  let _codec: Codec<MailboxHost>

  export const codec = (): Codec<MailboxHost> => {
    if (_codec == null) {
      _codec = message<MailboxHost>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MailboxHostPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface MailboxHostAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<MailboxHost>): Uint8Array {
    return encodeMessage(obj, MailboxHost.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxHost>): MailboxHost {
    return decodeMessage(buf, MailboxHost.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxHost>): Generator<MailboxHostPeerIdFieldEvent | MailboxHostAddrsFieldEvent> {
    return streamMessage(buf, MailboxHost.codec(), opts)
  }
}

export interface Capability {
  version: number
  owner: Uint8Array
  ownerDevice: Uint8Array
  sender: Uint8Array
  hosts: MailboxHost[]
  issuedAt: number
  notAfter: number
  quotaBytes: number
  quotaMessages: number
  signature: Uint8Array
  group?: Uint8Array
  ownerCertificate?: Uint8Array
}

export namespace Capability {
  let _codec: Codec<Capability>

  export const codec = (): Codec<Capability> => {
    if (_codec == null) {
      _codec = message<Capability>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.owner)
        }

        if ((obj.ownerDevice != null && obj.ownerDevice.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ownerDevice)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.sender)
        }

        if (obj.hosts != null && obj.hosts.length > 0) {
          for (const value of obj.hosts) {
            w.uint32(42)
            MailboxHost.codec().encode(value, w)
          }
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.issuedAt)
        }

        if ((obj.notAfter != null && obj.notAfter !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.notAfter)
        }

        if ((obj.quotaBytes != null && obj.quotaBytes !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.quotaBytes)
        }

        if ((obj.quotaMessages != null && obj.quotaMessages !== 0)) {
          w.uint32(72)
          w.uint32(obj.quotaMessages)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.signature)
        }

        if (obj.group != null) {
          w.uint32(90)
          w.bytes(obj.group)
        }

        if (obj.ownerCertificate != null) {
          w.uint32(98)
          w.bytes(obj.ownerCertificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          owner: uint8ArrayAlloc(0),
          ownerDevice: uint8ArrayAlloc(0),
          sender: uint8ArrayAlloc(0),
          hosts: [],
          issuedAt: 0,
          notAfter: 0,
          quotaBytes: 0,
          quotaMessages: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.owner = reader.bytes()
              break
            }
            case 3: {
              obj.ownerDevice = reader.bytes()
              break
            }
            case 4: {
              obj.sender = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.hosts != null && obj.hosts.length === opts.limits.hosts) {
                throw new MaxLengthError('Decode error - repeated field "hosts" had too many elements')
              }

              obj.hosts.push(MailboxHost.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hosts$
              }))
              break
            }
            case 6: {
              obj.issuedAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.notAfter = reader.uint64Number()
              break
            }
            case 8: {
              obj.quotaBytes = reader.uint64Number()
              break
            }
            case 9: {
              obj.quotaMessages = reader.uint32()
              break
            }
            case 10: {
              obj.signature = reader.bytes()
              break
            }
            case 11: {
              obj.group = reader.bytes()
              break
            }
            case 12: {
              obj.ownerCertificate = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          hosts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ownerDevice`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.hosts != null && obj.hosts === opts.limits.hosts) {
                throw new MaxLengthError('Streaming decode error - repeated field "hosts" had too many elements')
              }

              for (const evt of MailboxHost.codec().stream(reader, reader.uint32(), `${prefix}.hosts[]`, {
                limits: opts.limits?.hosts$
              })) {
                yield {
                  ...evt,
                  index: obj.hosts
                }
              }

              obj.hosts++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.notAfter`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.quotaBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.quotaMessages`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.ownerCertificate`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CapabilityVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CapabilityOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array
  }

  export interface CapabilityOwnerDeviceFieldEvent {
    field: '$.ownerDevice'
    value: Uint8Array
  }

  export interface CapabilitySenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface CapabilityHostsPeerIdFieldEvent {
    field: '$.hosts[].peerId'
    value: Uint8Array
    index: number
  }

  export interface CapabilityHostsAddrsFieldEvent {
    field: '$.hosts[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface CapabilityIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: number
  }

  export interface CapabilityNotAfterFieldEvent {
    field: '$.notAfter'
    value: number
  }

  export interface CapabilityQuotaBytesFieldEvent {
    field: '$.quotaBytes'
    value: number
  }

  export interface CapabilityQuotaMessagesFieldEvent {
    field: '$.quotaMessages'
    value: number
  }

  export interface CapabilitySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface CapabilityGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface CapabilityOwnerCertificateFieldEvent {
    field: '$.ownerCertificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<Capability>): Uint8Array {
    return encodeMessage(obj, Capability.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Capability>): Capability {
    return decodeMessage(buf, Capability.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Capability>): Generator<CapabilityVersionFieldEvent | CapabilityOwnerFieldEvent | CapabilityOwnerDeviceFieldEvent | CapabilitySenderFieldEvent | CapabilityHostsPeerIdFieldEvent | CapabilityHostsAddrsFieldEvent | CapabilityIssuedAtFieldEvent | CapabilityNotAfterFieldEvent | CapabilityQuotaBytesFieldEvent | CapabilityQuotaMessagesFieldEvent | CapabilitySignatureFieldEvent | CapabilityGroupFieldEvent | CapabilityOwnerCertificateFieldEvent> {
    return streamMessage(buf, Capability.codec(), opts)
  }
}

export interface Deposit {
  capability: Uint8Array
  deviceSignature: Uint8Array
  envelope: Uint8Array
}

export namespace Deposit {
  let _codec: Codec<Deposit>

  export const codec = (): Codec<Deposit> => {
    if (_codec == null) {
      _codec = message<Deposit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.capability != null && obj.capability.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.capability)
        }

        if ((obj.deviceSignature != null && obj.deviceSignature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.deviceSignature)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.envelope)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          capability: uint8ArrayAlloc(0),
          deviceSignature: uint8ArrayAlloc(0),
          envelope: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.capability = reader.bytes()
              break
            }
            case 2: {
              obj.deviceSignature = reader.bytes()
              break
            }
            case 3: {
              obj.envelope = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.capability`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.deviceSignature`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DepositCapabilityFieldEvent {
    field: '$.capability'
    value: Uint8Array
  }

  export interface DepositDeviceSignatureFieldEvent {
    field: '$.deviceSignature'
    value: Uint8Array
  }

  export interface DepositEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array
  }

  export function encode (obj: Partial<Deposit>): Uint8Array {
    return encodeMessage(obj, Deposit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Deposit {
    return decodeMessage(buf, Deposit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Generator<DepositCapabilityFieldEvent | DepositDeviceSignatureFieldEvent | DepositEnvelopeFieldEvent> {
    return streamMessage(buf, Deposit.codec(), opts)
  }
}

export interface CustodyReceipt {
  messageId: Uint8Array
  envelopeHash: Uint8Array
  expiresAt: number
  storedAt: number
  signature: Uint8Array
}

export namespace CustodyReceipt {
  let _codec: Codec<CustodyReceipt>

  export const codec = (): Codec<CustodyReceipt> => {
    if (_codec == null) {
      _codec = message<CustodyReceipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.messageId)
        }

        if ((obj.envelopeHash != null && obj.envelopeHash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelopeHash)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.storedAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messageId: uint8ArrayAlloc(0),
          envelopeHash: uint8ArrayAlloc(0),
          expiresAt: 0,
          storedAt: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.messageId = reader.bytes()
              break
            }
            case 2: {
              obj.envelopeHash = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 4: {
              obj.storedAt = reader.uint64Number()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.messageId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.envelopeHash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.storedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CustodyReceiptMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface CustodyReceiptEnvelopeHashFieldEvent {
    field: '$.envelopeHash'
    value: Uint8Array
  }

  export interface CustodyReceiptExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface CustodyReceiptStoredAtFieldEvent {
    field: '$.storedAt'
    value: number
  }

  export interface CustodyReceiptSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<CustodyReceipt>): Uint8Array {
    return encodeMessage(obj, CustodyReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CustodyReceipt>): CustodyReceipt {
    return decodeMessage(buf, CustodyReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CustodyReceipt>): Generator<CustodyReceiptMessageIdFieldEvent | CustodyReceiptEnvelopeHashFieldEvent | CustodyReceiptExpiresAtFieldEvent | CustodyReceiptStoredAtFieldEvent | CustodyReceiptSignatureFieldEvent> {
    return streamMessage(buf, CustodyReceipt.codec(), opts)
  }
}

export interface Fetch {
  after: number
  limit: number
}

export namespace Fetch {
  let _codec: Codec<Fetch>

  export const codec = (): Codec<Fetch> => {
    if (_codec == null) {
      _codec = message<Fetch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.after != null && obj.after !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.after)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          after: 0,
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.after = reader.uint64Number()
              break
            }
            case 2: {
              obj.limit = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.after`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FetchAfterFieldEvent {
    field: '$.after'
    value: number
  }

  export interface FetchLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<Fetch>): Uint8Array {
    return encodeMessage(obj, Fetch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Fetch {
    return decodeMessage(buf, Fetch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Generator<FetchAfterFieldEvent | FetchLimitFieldEvent> {
    return streamMessage(buf, Fetch.codec(), opts)
  }
}

export interface Item {
  envelope: Uint8Array
  depositor: Uint8Array
  cursor: number
}

export namespace Item {
  let _codec: Codec<Item>

  export const codec = (): Codec<Item> => {
    if (_codec == null) {
      _codec = message<Item>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.envelope)
        }

        if ((obj.depositor != null && obj.depositor.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.depositor)
        }

        if ((obj.cursor != null && obj.cursor !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.cursor)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelope: uint8ArrayAlloc(0),
          depositor: uint8ArrayAlloc(0),
          cursor: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.envelope = reader.bytes()
              break
            }
            case 2: {
              obj.depositor = reader.bytes()
              break
            }
            case 3: {
              obj.cursor = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.depositor`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.cursor`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ItemEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array
  }

  export interface ItemDepositorFieldEvent {
    field: '$.depositor'
    value: Uint8Array
  }

  export interface ItemCursorFieldEvent {
    field: '$.cursor'
    value: number
  }

  export function encode (obj: Partial<Item>): Uint8Array {
    return encodeMessage(obj, Item.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Item>): Item {
    return decodeMessage(buf, Item.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Item>): Generator<ItemEnvelopeFieldEvent | ItemDepositorFieldEvent | ItemCursorFieldEvent> {
    return streamMessage(buf, Item.codec(), opts)
  }
}

export interface Page {
  items: Item[]
  more: boolean
}

export namespace Page {
  let _codec: Codec<Page>

  export const codec = (): Codec<Page> => {
    if (_codec == null) {
      _codec = message<Page>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.items != null && obj.items.length > 0) {
          for (const value of obj.items) {
            w.uint32(10)
            Item.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(16)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          items: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              obj.items.push(Item.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
              }))
              break
            }
            case 2: {
              obj.more = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          items: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.items != null && obj.items === opts.limits.items) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              for (const evt of Item.codec().stream(reader, reader.uint32(), `${prefix}.items[]`, {
                limits: opts.limits?.items$
              })) {
                yield {
                  ...evt,
                  index: obj.items
                }
              }

              obj.items++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PageItemsEnvelopeFieldEvent {
    field: '$.items[].envelope'
    value: Uint8Array
    index: number
  }

  export interface PageItemsDepositorFieldEvent {
    field: '$.items[].depositor'
    value: Uint8Array
    index: number
  }

  export interface PageItemsCursorFieldEvent {
    field: '$.items[].cursor'
    value: number
    index: number
  }

  export interface PageMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<Page>): Uint8Array {
    return encodeMessage(obj, Page.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Page>): Page {
    return decodeMessage(buf, Page.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Page>): Generator<PageItemsEnvelopeFieldEvent | PageItemsDepositorFieldEvent | PageItemsCursorFieldEvent | PageMoreFieldEvent> {
    return streamMessage(buf, Page.codec(), opts)
  }
}

export interface Ack {
  ids: Uint8Array[]
  receipts: Uint8Array[]
  depositors: Uint8Array[]
}

export namespace Ack {
  let _codec: Codec<Ack>

  export const codec = (): Codec<Ack> => {
    if (_codec == null) {
      _codec = message<Ack>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.depositors != null && obj.depositors.length > 0) {
          for (const value of obj.depositors) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: [],
          receipts: [],
          depositors: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.receipts != null && obj.receipts.length === opts.limits.receipts) {
                throw new MaxLengthError('Decode error - repeated field "receipts" had too many elements')
              }

              obj.receipts.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.depositors != null && obj.depositors.length === opts.limits.depositors) {
                throw new MaxLengthError('Decode error - repeated field "depositors" had too many elements')
              }

              obj.depositors.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ids: 0,
          receipts: 0,
          depositors: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            case 2: {
              if (opts.limits?.receipts != null && obj.receipts === opts.limits.receipts) {
                throw new MaxLengthError('Streaming decode error - repeated field "receipts" had too many elements')
              }

              yield {
                field: `${prefix}.receipts[]`,
                index: obj.receipts,
                value: reader.bytes()
              }

              obj.receipts++

              break
            }
            case 3: {
              if (opts.limits?.depositors != null && obj.depositors === opts.limits.depositors) {
                throw new MaxLengthError('Streaming decode error - repeated field "depositors" had too many elements')
              }

              yield {
                field: `${prefix}.depositors[]`,
                index: obj.depositors,
                value: reader.bytes()
              }

              obj.depositors++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AckIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array
  }

  export interface AckReceiptsFieldEvent {
    field: '$.receipts[]'
    index: number
    value: Uint8Array
  }

  export interface AckDepositorsFieldEvent {
    field: '$.depositors[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<Ack>): Uint8Array {
    return encodeMessage(obj, Ack.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Ack {
    return decodeMessage(buf, Ack.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Generator<AckIdsFieldEvent | AckReceiptsFieldEvent | AckDepositorsFieldEvent> {
    return streamMessage(buf, Ack.codec(), opts)
  }
}

export interface DeletionReceipt {
  ids: Uint8Array[]
  deletedAt: number
  signature: Uint8Array
}

export namespace DeletionReceipt {
  let _codec: Codec<DeletionReceipt>

  export const codec = (): Codec<DeletionReceipt> => {
    if (_codec == null) {
      _codec = message<DeletionReceipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.deletedAt != null && obj.deletedAt !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.deletedAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: [],
          deletedAt: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 2: {
              obj.deletedAt = reader.uint64Number()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.deletedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DeletionReceiptIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array
  }

  export interface DeletionReceiptDeletedAtFieldEvent {
    field: '$.deletedAt'
    value: number
  }

  export interface DeletionReceiptSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<DeletionReceipt>): Uint8Array {
    return encodeMessage(obj, DeletionReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeletionReceipt>): DeletionReceipt {
    return decodeMessage(buf, DeletionReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeletionReceipt>): Generator<DeletionReceiptIdsFieldEvent | DeletionReceiptDeletedAtFieldEvent | DeletionReceiptSignatureFieldEvent> {
    return streamMessage(buf, DeletionReceipt.codec(), opts)
  }
}

export interface ReceiptsRequest {
  done: Uint8Array[]
}

export namespace ReceiptsRequest {
  let _codec: Codec<ReceiptsRequest>

  export const codec = (): Codec<ReceiptsRequest> => {
    if (_codec == null) {
      _codec = message<ReceiptsRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.done != null && obj.done.length > 0) {
          for (const value of obj.done) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          done: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.done != null && obj.done.length === opts.limits.done) {
                throw new MaxLengthError('Decode error - repeated field "done" had too many elements')
              }

              obj.done.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          done: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.done != null && obj.done === opts.limits.done) {
                throw new MaxLengthError('Streaming decode error - repeated field "done" had too many elements')
              }

              yield {
                field: `${prefix}.done[]`,
                index: obj.done,
                value: reader.bytes()
              }

              obj.done++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptsRequestDoneFieldEvent {
    field: '$.done[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<ReceiptsRequest>): Uint8Array {
    return encodeMessage(obj, ReceiptsRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptsRequest>): ReceiptsRequest {
    return decodeMessage(buf, ReceiptsRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptsRequest>): Generator<ReceiptsRequestDoneFieldEvent> {
    return streamMessage(buf, ReceiptsRequest.codec(), opts)
  }
}

export interface Receipts {
  receipts: Uint8Array[]
}

export namespace Receipts {
  let _codec: Codec<Receipts>

  export const codec = (): Codec<Receipts> => {
    if (_codec == null) {
      _codec = message<Receipts>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          receipts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.receipts != null && obj.receipts.length === opts.limits.receipts) {
                throw new MaxLengthError('Decode error - repeated field "receipts" had too many elements')
              }

              obj.receipts.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          receipts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.receipts != null && obj.receipts === opts.limits.receipts) {
                throw new MaxLengthError('Streaming decode error - repeated field "receipts" had too many elements')
              }

              yield {
                field: `${prefix}.receipts[]`,
                index: obj.receipts,
                value: reader.bytes()
              }

              obj.receipts++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptsReceiptsFieldEvent {
    field: '$.receipts[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<Receipts>): Uint8Array {
    return encodeMessage(obj, Receipts.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipts>): Receipts {
    return decodeMessage(buf, Receipts.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipts>): Generator<ReceiptsReceiptsFieldEvent> {
    return streamMessage(buf, Receipts.codec(), opts)
  }
}

export interface Usage {
  bytes: number
  messages: number
  quotaBytes: number
  quotaMessages: number
  prekeys: number
}

export namespace Usage {
  let _codec: Codec<Usage>

  export const codec = (): Codec<Usage> => {
    if (_codec == null) {
      _codec = message<Usage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.bytes != null && obj.bytes !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.bytes)
        }

        if ((obj.messages != null && obj.messages !== 0)) {
          w.uint32(16)
          w.uint32(obj.messages)
        }

        if ((obj.quotaBytes != null && obj.quotaBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.quotaBytes)
        }

        if ((obj.quotaMessages != null && obj.quotaMessages !== 0)) {
          w.uint32(32)
          w.uint32(obj.quotaMessages)
        }

        if ((obj.prekeys != null && obj.prekeys !== 0)) {
          w.uint32(40)
          w.uint32(obj.prekeys)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          bytes: 0,
          messages: 0,
          quotaBytes: 0,
          quotaMessages: 0,
          prekeys: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.bytes = reader.uint64Number()
              break
            }
            case 2: {
              obj.messages = reader.uint32()
              break
            }
            case 3: {
              obj.quotaBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.quotaMessages = reader.uint32()
              break
            }
            case 5: {
              obj.prekeys = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.bytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.messages`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.quotaBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.quotaMessages`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.prekeys`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface UsageBytesFieldEvent {
    field: '$.bytes'
    value: number
  }

  export interface UsageMessagesFieldEvent {
    field: '$.messages'
    value: number
  }

  export interface UsageQuotaBytesFieldEvent {
    field: '$.quotaBytes'
    value: number
  }

  export interface UsageQuotaMessagesFieldEvent {
    field: '$.quotaMessages'
    value: number
  }

  export interface UsagePrekeysFieldEvent {
    field: '$.prekeys'
    value: number
  }

  export function encode (obj: Partial<Usage>): Uint8Array {
    return encodeMessage(obj, Usage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Usage>): Usage {
    return decodeMessage(buf, Usage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Usage>): Generator<UsageBytesFieldEvent | UsageMessagesFieldEvent | UsageQuotaBytesFieldEvent | UsageQuotaMessagesFieldEvent | UsagePrekeysFieldEvent> {
    return streamMessage(buf, Usage.codec(), opts)
  }
}

export interface OneTimePrekey {
  id: number
  publicKey: Uint8Array
}

export namespace OneTimePrekey {
  let _codec: Codec<OneTimePrekey>

  export const codec = (): Codec<OneTimePrekey> => {
    if (_codec == null) {
      _codec = message<OneTimePrekey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.publicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          publicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.publicKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface OneTimePrekeyIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface OneTimePrekeyPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<OneTimePrekey>): Uint8Array {
    return encodeMessage(obj, OneTimePrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePrekey>): OneTimePrekey {
    return decodeMessage(buf, OneTimePrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePrekey>): Generator<OneTimePrekeyIdFieldEvent | OneTimePrekeyPublicKeyFieldEvent> {
    return streamMessage(buf, OneTimePrekey.codec(), opts)
  }
}

export interface Revoke {
  sender: Uint8Array
  before: number
}

export namespace Revoke {
  let _codec: Codec<Revoke>

  export const codec = (): Codec<Revoke> => {
    if (_codec == null) {
      _codec = message<Revoke>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sender)
        }

        if ((obj.before != null && obj.before !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.before)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: uint8ArrayAlloc(0),
          before: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sender = reader.bytes()
              break
            }
            case 2: {
              obj.before = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.before`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RevokeSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface RevokeBeforeFieldEvent {
    field: '$.before'
    value: number
  }

  export function encode (obj: Partial<Revoke>): Uint8Array {
    return encodeMessage(obj, Revoke.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revoke>): Revoke {
    return decodeMessage(buf, Revoke.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revoke>): Generator<RevokeSenderFieldEvent | RevokeBeforeFieldEvent> {
    return streamMessage(buf, Revoke.codec(), opts)
  }
}

export interface PrekeyUpload {
  prekeys: Uint8Array[]
}

export namespace PrekeyUpload {
  let _codec: Codec<PrekeyUpload>

  export const codec = (): Codec<PrekeyUpload> => {
    if (_codec == null) {
      _codec = message<PrekeyUpload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.prekeys != null && obj.prekeys.length > 0) {
          for (const value of obj.prekeys) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          prekeys: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.prekeys != null && obj.prekeys.length === opts.limits.prekeys) {
                throw new MaxLengthError('Decode error - repeated field "prekeys" had too many elements')
              }

              obj.prekeys.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          prekeys: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.prekeys != null && obj.prekeys === opts.limits.prekeys) {
                throw new MaxLengthError('Streaming decode error - repeated field "prekeys" had too many elements')
              }

              yield {
                field: `${prefix}.prekeys[]`,
                index: obj.prekeys,
                value: reader.bytes()
              }

              obj.prekeys++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PrekeyUploadPrekeysFieldEvent {
    field: '$.prekeys[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<PrekeyUpload>): Uint8Array {
    return encodeMessage(obj, PrekeyUpload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyUpload>): PrekeyUpload {
    return decodeMessage(buf, PrekeyUpload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyUpload>): Generator<PrekeyUploadPrekeysFieldEvent> {
    return streamMessage(buf, PrekeyUpload.codec(), opts)
  }
}

export interface PrekeyClaim {
  owner: Uint8Array
}

export namespace PrekeyClaim {
  let _codec: Codec<PrekeyClaim>

  export const codec = (): Codec<PrekeyClaim> => {
    if (_codec == null) {
      _codec = message<PrekeyClaim>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.owner)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          owner: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.owner = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PrekeyClaimOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array
  }

  export function encode (obj: Partial<PrekeyClaim>): Uint8Array {
    return encodeMessage(obj, PrekeyClaim.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyClaim>): PrekeyClaim {
    return decodeMessage(buf, PrekeyClaim.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyClaim>): Generator<PrekeyClaimOwnerFieldEvent> {
    return streamMessage(buf, PrekeyClaim.codec(), opts)
  }
}

export interface Request {
  deposit?: Deposit
  fetch?: Fetch
  ack?: Ack
  status: boolean
  receipts?: ReceiptsRequest
  revoke?: Revoke
  prekeys?: PrekeyUpload
  claim?: PrekeyClaim
  deposits: Deposit[]
  devices?: Uint8Array
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.deposit != null) {
          w.uint32(10)
          Deposit.codec().encode(obj.deposit, w)
        }

        if (obj.fetch != null) {
          w.uint32(18)
          Fetch.codec().encode(obj.fetch, w)
        }

        if (obj.ack != null) {
          w.uint32(26)
          Ack.codec().encode(obj.ack, w)
        }

        if ((obj.status != null && obj.status !== false)) {
          w.uint32(32)
          w.bool(obj.status)
        }

        if (obj.receipts != null) {
          w.uint32(42)
          ReceiptsRequest.codec().encode(obj.receipts, w)
        }

        if (obj.revoke != null) {
          w.uint32(50)
          Revoke.codec().encode(obj.revoke, w)
        }

        if (obj.prekeys != null) {
          w.uint32(58)
          PrekeyUpload.codec().encode(obj.prekeys, w)
        }

        if (obj.claim != null) {
          w.uint32(66)
          PrekeyClaim.codec().encode(obj.claim, w)
        }

        if (obj.deposits != null && obj.deposits.length > 0) {
          for (const value of obj.deposits) {
            w.uint32(74)
            Deposit.codec().encode(value, w)
          }
        }

        if (obj.devices != null) {
          w.uint32(82)
          w.bytes(obj.devices)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: false,
          deposits: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.deposit = Deposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposit
              })
              break
            }
            case 2: {
              obj.fetch = Fetch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 3: {
              obj.ack = Ack.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 4: {
              obj.status = reader.bool()
              break
            }
            case 5: {
              obj.receipts = ReceiptsRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipts
              })
              break
            }
            case 6: {
              obj.revoke = Revoke.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.revoke
              })
              break
            }
            case 7: {
              obj.prekeys = PrekeyUpload.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.prekeys
              })
              break
            }
            case 8: {
              obj.claim = PrekeyClaim.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.claim
              })
              break
            }
            case 9: {
              if (opts.limits?.deposits != null && obj.deposits.length === opts.limits.deposits) {
                throw new MaxLengthError('Decode error - repeated field "deposits" had too many elements')
              }

              obj.deposits.push(Deposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposits$
              }))
              break
            }
            case 10: {
              obj.devices = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          deposits: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Deposit.codec().stream(reader, reader.uint32(), `${prefix}.deposit`, {
                limits: opts.limits?.deposit
              })

              break
            }
            case 2: {
              yield * Fetch.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
              })

              break
            }
            case 3: {
              yield * Ack.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.status`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield * ReceiptsRequest.codec().stream(reader, reader.uint32(), `${prefix}.receipts`, {
                limits: opts.limits?.receipts
              })

              break
            }
            case 6: {
              yield * Revoke.codec().stream(reader, reader.uint32(), `${prefix}.revoke`, {
                limits: opts.limits?.revoke
              })

              break
            }
            case 7: {
              yield * PrekeyUpload.codec().stream(reader, reader.uint32(), `${prefix}.prekeys`, {
                limits: opts.limits?.prekeys
              })

              break
            }
            case 8: {
              yield * PrekeyClaim.codec().stream(reader, reader.uint32(), `${prefix}.claim`, {
                limits: opts.limits?.claim
              })

              break
            }
            case 9: {
              if (opts.limits?.deposits != null && obj.deposits === opts.limits.deposits) {
                throw new MaxLengthError('Streaming decode error - repeated field "deposits" had too many elements')
              }

              for (const evt of Deposit.codec().stream(reader, reader.uint32(), `${prefix}.deposits[]`, {
                limits: opts.limits?.deposits$
              })) {
                yield {
                  ...evt,
                  index: obj.deposits
                }
              }

              obj.deposits++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.devices`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RequestDepositCapabilityFieldEvent {
    field: '$.deposit.capability'
    value: Uint8Array
  }

  export interface RequestDepositDeviceSignatureFieldEvent {
    field: '$.deposit.deviceSignature'
    value: Uint8Array
  }

  export interface RequestDepositEnvelopeFieldEvent {
    field: '$.deposit.envelope'
    value: Uint8Array
  }

  export interface RequestFetchAfterFieldEvent {
    field: '$.fetch.after'
    value: number
  }

  export interface RequestFetchLimitFieldEvent {
    field: '$.fetch.limit'
    value: number
  }

  export interface RequestAckIdsFieldEvent {
    field: '$.ack.ids[]'
    index: number
    value: Uint8Array
  }

  export interface RequestAckReceiptsFieldEvent {
    field: '$.ack.receipts[]'
    index: number
    value: Uint8Array
  }

  export interface RequestAckDepositorsFieldEvent {
    field: '$.ack.depositors[]'
    index: number
    value: Uint8Array
  }

  export interface RequestStatusFieldEvent {
    field: '$.status'
    value: boolean
  }

  export interface RequestReceiptsDoneFieldEvent {
    field: '$.receipts.done[]'
    index: number
    value: Uint8Array
  }

  export interface RequestRevokeSenderFieldEvent {
    field: '$.revoke.sender'
    value: Uint8Array
  }

  export interface RequestRevokeBeforeFieldEvent {
    field: '$.revoke.before'
    value: number
  }

  export interface RequestPrekeysPrekeysFieldEvent {
    field: '$.prekeys.prekeys[]'
    index: number
    value: Uint8Array
  }

  export interface RequestClaimOwnerFieldEvent {
    field: '$.claim.owner'
    value: Uint8Array
  }

  export interface RequestDepositsCapabilityFieldEvent {
    field: '$.deposits[].capability'
    value: Uint8Array
    index: number
  }

  export interface RequestDepositsDeviceSignatureFieldEvent {
    field: '$.deposits[].deviceSignature'
    value: Uint8Array
    index: number
  }

  export interface RequestDepositsEnvelopeFieldEvent {
    field: '$.deposits[].envelope'
    value: Uint8Array
    index: number
  }

  export interface RequestDevicesFieldEvent {
    field: '$.devices'
    value: Uint8Array
  }

  export function encode (obj: Partial<Request>): Uint8Array {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestDepositCapabilityFieldEvent | RequestDepositDeviceSignatureFieldEvent | RequestDepositEnvelopeFieldEvent | RequestFetchAfterFieldEvent | RequestFetchLimitFieldEvent | RequestAckIdsFieldEvent | RequestAckReceiptsFieldEvent | RequestAckDepositorsFieldEvent | RequestStatusFieldEvent | RequestReceiptsDoneFieldEvent | RequestRevokeSenderFieldEvent | RequestRevokeBeforeFieldEvent | RequestPrekeysPrekeysFieldEvent | RequestClaimOwnerFieldEvent | RequestDepositsCapabilityFieldEvent | RequestDepositsDeviceSignatureFieldEvent | RequestDepositsEnvelopeFieldEvent | RequestDevicesFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export interface Refusal {
  code: Refusal.Code
  reason: string
}

export namespace Refusal {
  export enum Code {
    UNAUTHORIZED = 'UNAUTHORIZED',
    QUOTA = 'QUOTA',
    EXPIRED = 'EXPIRED',
    POLICY = 'POLICY',
    MALFORMED = 'MALFORMED',
    RATE = 'RATE',
    FULL = 'FULL',
    UNAVAILABLE = 'UNAVAILABLE'
  }

  enum __CodeValues {
    UNAUTHORIZED = 0,
    QUOTA = 1,
    EXPIRED = 2,
    POLICY = 3,
    MALFORMED = 4,
    RATE = 5,
    FULL = 6,
    UNAVAILABLE = 7
  }

  export namespace Code {
    export const codec = (): Codec<Code> => {
      return enumeration<Code>(__CodeValues)
    }
  }

  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __CodeValues[obj.code] !== 0) {
          w.uint32(8)
          Refusal.Code.codec().encode(obj.code, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: Code.UNAUTHORIZED,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = Refusal.Code.codec().decode(reader)
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: Refusal.Code.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RefusalCodeFieldEvent {
    field: '$.code'
    value: Refusal.Code
  }

  export interface RefusalReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Refusal>): Uint8Array {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalCodeFieldEvent | RefusalReasonFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface Response {
  refusal?: Refusal
  custody?: CustodyReceipt
  page?: Page
  deleted?: DeletionReceipt
  usage?: Usage
  receipts?: Receipts
  prekey: Uint8Array
  answers: DepositAnswer[]
}

export namespace Response {
  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.refusal != null) {
          w.uint32(10)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (obj.custody != null) {
          w.uint32(18)
          CustodyReceipt.codec().encode(obj.custody, w)
        }

        if (obj.page != null) {
          w.uint32(26)
          Page.codec().encode(obj.page, w)
        }

        if (obj.deleted != null) {
          w.uint32(34)
          DeletionReceipt.codec().encode(obj.deleted, w)
        }

        if (obj.usage != null) {
          w.uint32(42)
          Usage.codec().encode(obj.usage, w)
        }

        if (obj.receipts != null) {
          w.uint32(50)
          Receipts.codec().encode(obj.receipts, w)
        }

        if ((obj.prekey != null && obj.prekey.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.prekey)
        }

        if (obj.answers != null && obj.answers.length > 0) {
          for (const value of obj.answers) {
            w.uint32(66)
            DepositAnswer.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          prekey: uint8ArrayAlloc(0),
          answers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 2: {
              obj.custody = CustodyReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.custody
              })
              break
            }
            case 3: {
              obj.page = Page.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.page
              })
              break
            }
            case 4: {
              obj.deleted = DeletionReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deleted
              })
              break
            }
            case 5: {
              obj.usage = Usage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.usage
              })
              break
            }
            case 6: {
              obj.receipts = Receipts.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipts
              })
              break
            }
            case 7: {
              obj.prekey = reader.bytes()
              break
            }
            case 8: {
              if (opts.limits?.answers != null && obj.answers.length === opts.limits.answers) {
                throw new MaxLengthError('Decode error - repeated field "answers" had too many elements')
              }

              obj.answers.push(DepositAnswer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.answers$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          answers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 2: {
              yield * CustodyReceipt.codec().stream(reader, reader.uint32(), `${prefix}.custody`, {
                limits: opts.limits?.custody
              })

              break
            }
            case 3: {
              yield * Page.codec().stream(reader, reader.uint32(), `${prefix}.page`, {
                limits: opts.limits?.page
              })

              break
            }
            case 4: {
              yield * DeletionReceipt.codec().stream(reader, reader.uint32(), `${prefix}.deleted`, {
                limits: opts.limits?.deleted
              })

              break
            }
            case 5: {
              yield * Usage.codec().stream(reader, reader.uint32(), `${prefix}.usage`, {
                limits: opts.limits?.usage
              })

              break
            }
            case 6: {
              yield * Receipts.codec().stream(reader, reader.uint32(), `${prefix}.receipts`, {
                limits: opts.limits?.receipts
              })

              break
            }
            case 7: {
              yield {
                field: `${prefix}.prekey`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              if (opts.limits?.answers != null && obj.answers === opts.limits.answers) {
                throw new MaxLengthError('Streaming decode error - repeated field "answers" had too many elements')
              }

              for (const evt of DepositAnswer.codec().stream(reader, reader.uint32(), `${prefix}.answers[]`, {
                limits: opts.limits?.answers$
              })) {
                yield {
                  ...evt,
                  index: obj.answers
                }
              }

              obj.answers++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResponseRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: Refusal.Code
  }

  export interface ResponseRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: string
  }

  export interface ResponseCustodyMessageIdFieldEvent {
    field: '$.custody.messageId'
    value: Uint8Array
  }

  export interface ResponseCustodyEnvelopeHashFieldEvent {
    field: '$.custody.envelopeHash'
    value: Uint8Array
  }

  export interface ResponseCustodyExpiresAtFieldEvent {
    field: '$.custody.expiresAt'
    value: number
  }

  export interface ResponseCustodyStoredAtFieldEvent {
    field: '$.custody.storedAt'
    value: number
  }

  export interface ResponseCustodySignatureFieldEvent {
    field: '$.custody.signature'
    value: Uint8Array
  }

  export interface ResponsePageItemsEnvelopeFieldEvent {
    field: '$.page.items[].envelope'
    value: Uint8Array
    index: number
  }

  export interface ResponsePageItemsDepositorFieldEvent {
    field: '$.page.items[].depositor'
    value: Uint8Array
    index: number
  }

  export interface ResponsePageItemsCursorFieldEvent {
    field: '$.page.items[].cursor'
    value: number
    index: number
  }

  export interface ResponsePageMoreFieldEvent {
    field: '$.page.more'
    value: boolean
  }

  export interface ResponseDeletedIdsFieldEvent {
    field: '$.deleted.ids[]'
    index: number
    value: Uint8Array
  }

  export interface ResponseDeletedDeletedAtFieldEvent {
    field: '$.deleted.deletedAt'
    value: number
  }

  export interface ResponseDeletedSignatureFieldEvent {
    field: '$.deleted.signature'
    value: Uint8Array
  }

  export interface ResponseUsageBytesFieldEvent {
    field: '$.usage.bytes'
    value: number
  }

  export interface ResponseUsageMessagesFieldEvent {
    field: '$.usage.messages'
    value: number
  }

  export interface ResponseUsageQuotaBytesFieldEvent {
    field: '$.usage.quotaBytes'
    value: number
  }

  export interface ResponseUsageQuotaMessagesFieldEvent {
    field: '$.usage.quotaMessages'
    value: number
  }

  export interface ResponseUsagePrekeysFieldEvent {
    field: '$.usage.prekeys'
    value: number
  }

  export interface ResponseReceiptsReceiptsFieldEvent {
    field: '$.receipts.receipts[]'
    index: number
    value: Uint8Array
  }

  export interface ResponsePrekeyFieldEvent {
    field: '$.prekey'
    value: Uint8Array
  }

  export interface ResponseAnswersCustodyMessageIdFieldEvent {
    field: '$.answers[].custody.messageId'
    value: Uint8Array
    index: number
  }

  export interface ResponseAnswersCustodyEnvelopeHashFieldEvent {
    field: '$.answers[].custody.envelopeHash'
    value: Uint8Array
    index: number
  }

  export interface ResponseAnswersCustodyExpiresAtFieldEvent {
    field: '$.answers[].custody.expiresAt'
    value: number
    index: number
  }

  export interface ResponseAnswersCustodyStoredAtFieldEvent {
    field: '$.answers[].custody.storedAt'
    value: number
    index: number
  }

  export interface ResponseAnswersCustodySignatureFieldEvent {
    field: '$.answers[].custody.signature'
    value: Uint8Array
    index: number
  }

  export interface ResponseAnswersRefusalCodeFieldEvent {
    field: '$.answers[].refusal.code'
    value: Refusal.Code
    index: number
  }

  export interface ResponseAnswersRefusalReasonFieldEvent {
    field: '$.answers[].refusal.reason'
    value: string
    index: number
  }

  export function encode (obj: Partial<Response>): Uint8Array {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseRefusalCodeFieldEvent | ResponseRefusalReasonFieldEvent | ResponseCustodyMessageIdFieldEvent | ResponseCustodyEnvelopeHashFieldEvent | ResponseCustodyExpiresAtFieldEvent | ResponseCustodyStoredAtFieldEvent | ResponseCustodySignatureFieldEvent | ResponsePageItemsEnvelopeFieldEvent | ResponsePageItemsDepositorFieldEvent | ResponsePageItemsCursorFieldEvent | ResponsePageMoreFieldEvent | ResponseDeletedIdsFieldEvent | ResponseDeletedDeletedAtFieldEvent | ResponseDeletedSignatureFieldEvent | ResponseUsageBytesFieldEvent | ResponseUsageMessagesFieldEvent | ResponseUsageQuotaBytesFieldEvent | ResponseUsageQuotaMessagesFieldEvent | ResponseUsagePrekeysFieldEvent | ResponseReceiptsReceiptsFieldEvent | ResponsePrekeyFieldEvent | ResponseAnswersCustodyMessageIdFieldEvent | ResponseAnswersCustodyEnvelopeHashFieldEvent | ResponseAnswersCustodyExpiresAtFieldEvent | ResponseAnswersCustodyStoredAtFieldEvent | ResponseAnswersCustodySignatureFieldEvent | ResponseAnswersRefusalCodeFieldEvent | ResponseAnswersRefusalReasonFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}

export interface DepositAnswer {
  custody?: CustodyReceipt
  refusal?: Refusal
}

export namespace DepositAnswer {
  let _codec: Codec<DepositAnswer>

  export const codec = (): Codec<DepositAnswer> => {
    if (_codec == null) {
      _codec = message<DepositAnswer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.custody != null) {
          w.uint32(10)
          CustodyReceipt.codec().encode(obj.custody, w)
        }

        if (obj.refusal != null) {
          w.uint32(18)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.custody = CustodyReceipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.custody
              })
              break
            }
            case 2: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * CustodyReceipt.codec().stream(reader, reader.uint32(), `${prefix}.custody`, {
                limits: opts.limits?.custody
              })

              break
            }
            case 2: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DepositAnswerCustodyMessageIdFieldEvent {
    field: '$.custody.messageId'
    value: Uint8Array
  }

  export interface DepositAnswerCustodyEnvelopeHashFieldEvent {
    field: '$.custody.envelopeHash'
    value: Uint8Array
  }

  export interface DepositAnswerCustodyExpiresAtFieldEvent {
    field: '$.custody.expiresAt'
    value: number
  }

  export interface DepositAnswerCustodyStoredAtFieldEvent {
    field: '$.custody.storedAt'
    value: number
  }

  export interface DepositAnswerCustodySignatureFieldEvent {
    field: '$.custody.signature'
    value: Uint8Array
  }

  export interface DepositAnswerRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: Refusal.Code
  }

  export interface DepositAnswerRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: string
  }

  export function encode (obj: Partial<DepositAnswer>): Uint8Array {
    return encodeMessage(obj, DepositAnswer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositAnswer>): DepositAnswer {
    return decodeMessage(buf, DepositAnswer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositAnswer>): Generator<DepositAnswerCustodyMessageIdFieldEvent | DepositAnswerCustodyEnvelopeHashFieldEvent | DepositAnswerCustodyExpiresAtFieldEvent | DepositAnswerCustodyStoredAtFieldEvent | DepositAnswerCustodySignatureFieldEvent | DepositAnswerRefusalCodeFieldEvent | DepositAnswerRefusalReasonFieldEvent> {
    return streamMessage(buf, DepositAnswer.codec(), opts)
  }
}
