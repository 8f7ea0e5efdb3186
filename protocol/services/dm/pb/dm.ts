import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DmReply {
  messageId: Uint8Array
  receipt?: Uint8Array
  rejection?: Rejection
}

export namespace DmReply {
  let _codec: Codec<DmReply>

  export const codec = (): Codec<DmReply> => {
    if (_codec == null) {
      _codec = message<DmReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.messageId)
        }

        if (obj.receipt != null) {
          w.uint32(18)
          w.bytes(obj.receipt)
        }

        if (obj.rejection != null) {
          w.uint32(26)
          Rejection.codec().encode(obj.rejection, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messageId: uint8ArrayAlloc(0)
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
              obj.receipt = reader.bytes()
              break
            }
            case 3: {
              obj.rejection = Rejection.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rejection
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
              yield {
                field: `${prefix}.messageId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.receipt`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * Rejection.codec().stream(reader, reader.uint32(), `${prefix}.rejection`, {
                limits: opts.limits?.rejection
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

  export interface DmReplyMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface DmReplyReceiptFieldEvent {
    field: '$.receipt'
    value: Uint8Array
  }

  export interface DmReplyRejectionCodeFieldEvent {
    field: '$.rejection.code'
    value: Rejection.Code
  }

  export interface DmReplyRejectionReasonFieldEvent {
    field: '$.rejection.reason'
    value: string
  }

  export function encode (obj: Partial<DmReply>): Uint8Array {
    return encodeMessage(obj, DmReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmReply>): DmReply {
    return decodeMessage(buf, DmReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmReply>): Generator<DmReplyMessageIdFieldEvent | DmReplyReceiptFieldEvent | DmReplyRejectionCodeFieldEvent | DmReplyRejectionReasonFieldEvent> {
    return streamMessage(buf, DmReply.codec(), opts)
  }
}

export interface Rejection {
  code: Rejection.Code
  reason: string
}

export namespace Rejection {
  export enum Code {
    MALFORMED = 'MALFORMED',
    NOT_FOR_ME = 'NOT_FOR_ME',
    EXPIRED = 'EXPIRED',
    TOO_LARGE = 'TOO_LARGE',
    UNSUPPORTED_VERSION = 'UNSUPPORTED_VERSION',
    STORAGE_FAILED = 'STORAGE_FAILED',
    REFUSED = 'REFUSED'
  }

  enum __CodeValues {
    MALFORMED = 0,
    NOT_FOR_ME = 1,
    EXPIRED = 2,
    TOO_LARGE = 3,
    UNSUPPORTED_VERSION = 4,
    STORAGE_FAILED = 5,
    REFUSED = 6
  }

  export namespace Code {
    export const codec = (): Codec<Code> => {
      return enumeration<Code>(__CodeValues)
    }
  }

  let _codec: Codec<Rejection>

  export const codec = (): Codec<Rejection> => {
    if (_codec == null) {
      _codec = message<Rejection>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __CodeValues[obj.code] !== 0) {
          w.uint32(8)
          Rejection.Code.codec().encode(obj.code, w)
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
          code: Code.MALFORMED,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = Rejection.Code.codec().decode(reader)
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
                value: Rejection.Code.codec().decode(reader)
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

  export interface RejectionCodeFieldEvent {
    field: '$.code'
    value: Rejection.Code
  }

  export interface RejectionReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Rejection>): Uint8Array {
    return encodeMessage(obj, Rejection.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rejection>): Rejection {
    return decodeMessage(buf, Rejection.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rejection>): Generator<RejectionCodeFieldEvent | RejectionReasonFieldEvent> {
    return streamMessage(buf, Rejection.codec(), opts)
  }
}
