import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DeliveryReceipt {
  messageId: Uint8Array
  envelopeHash: Uint8Array
  storedAt: number
  signature: Uint8Array
  count?: number
  index?: number
  path: Uint8Array[]
}

export namespace DeliveryReceipt {
  let _codec: Codec<DeliveryReceipt>

  export const codec = (): Codec<DeliveryReceipt> => {
    if (_codec == null) {
      _codec = message<DeliveryReceipt>((obj, w, opts = {}) => {
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

        if ((obj.storedAt != null && obj.storedAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.storedAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (obj.count != null) {
          w.uint32(40)
          w.uint32(obj.count)
        }

        if (obj.index != null) {
          w.uint32(48)
          w.uint32(obj.index)
        }

        if (obj.path != null && obj.path.length > 0) {
          for (const value of obj.path) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messageId: uint8ArrayAlloc(0),
          envelopeHash: uint8ArrayAlloc(0),
          storedAt: 0,
          signature: uint8ArrayAlloc(0),
          path: []
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
              obj.storedAt = reader.uint64Number()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            case 5: {
              obj.count = reader.uint32()
              break
            }
            case 6: {
              obj.index = reader.uint32()
              break
            }
            case 7: {
              if (opts.limits?.path != null && obj.path.length === opts.limits.path) {
                throw new MaxLengthError('Decode error - repeated field "path" had too many elements')
              }

              obj.path.push(reader.bytes())
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
          path: 0
        }

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
                field: `${prefix}.storedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              if (opts.limits?.path != null && obj.path === opts.limits.path) {
                throw new MaxLengthError('Streaming decode error - repeated field "path" had too many elements')
              }

              yield {
                field: `${prefix}.path[]`,
                index: obj.path,
                value: reader.bytes()
              }

              obj.path++

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

  export interface DeliveryReceiptMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface DeliveryReceiptEnvelopeHashFieldEvent {
    field: '$.envelopeHash'
    value: Uint8Array
  }

  export interface DeliveryReceiptStoredAtFieldEvent {
    field: '$.storedAt'
    value: number
  }

  export interface DeliveryReceiptSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface DeliveryReceiptCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface DeliveryReceiptIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface DeliveryReceiptPathFieldEvent {
    field: '$.path[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<DeliveryReceipt>): Uint8Array {
    return encodeMessage(obj, DeliveryReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliveryReceipt>): DeliveryReceipt {
    return decodeMessage(buf, DeliveryReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliveryReceipt>): Generator<DeliveryReceiptMessageIdFieldEvent | DeliveryReceiptEnvelopeHashFieldEvent | DeliveryReceiptStoredAtFieldEvent | DeliveryReceiptSignatureFieldEvent | DeliveryReceiptCountFieldEvent | DeliveryReceiptIndexFieldEvent | DeliveryReceiptPathFieldEvent> {
    return streamMessage(buf, DeliveryReceipt.codec(), opts)
  }
}
