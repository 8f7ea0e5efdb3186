import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface GroupPacket {
  summary?: Uint8Array
  ops: Uint8Array[]
  messages: Uint8Array[]
  receipts: Uint8Array[]
  capabilities: Uint8Array[]
}

export namespace GroupPacket {
  let _codec: Codec<GroupPacket>

  export const codec = (): Codec<GroupPacket> => {
    if (_codec == null) {
      _codec = message<GroupPacket>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.summary != null) {
          w.uint32(10)
          w.bytes(obj.summary)
        }

        if (obj.ops != null && obj.ops.length > 0) {
          for (const value of obj.ops) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if (obj.capabilities != null && obj.capabilities.length > 0) {
          for (const value of obj.capabilities) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ops: [],
          messages: [],
          receipts: [],
          capabilities: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.summary = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.ops != null && obj.ops.length === opts.limits.ops) {
                throw new MaxLengthError('Decode error - repeated field "ops" had too many elements')
              }

              obj.ops.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(reader.bytes())
              break
            }
            case 4: {
              if (opts.limits?.receipts != null && obj.receipts.length === opts.limits.receipts) {
                throw new MaxLengthError('Decode error - repeated field "receipts" had too many elements')
              }

              obj.receipts.push(reader.bytes())
              break
            }
            case 5: {
              if (opts.limits?.capabilities != null && obj.capabilities.length === opts.limits.capabilities) {
                throw new MaxLengthError('Decode error - repeated field "capabilities" had too many elements')
              }

              obj.capabilities.push(reader.bytes())
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
          ops: 0,
          messages: 0,
          receipts: 0,
          capabilities: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.summary`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.ops != null && obj.ops === opts.limits.ops) {
                throw new MaxLengthError('Streaming decode error - repeated field "ops" had too many elements')
              }

              yield {
                field: `${prefix}.ops[]`,
                index: obj.ops,
                value: reader.bytes()
              }

              obj.ops++

              break
            }
            case 3: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              yield {
                field: `${prefix}.messages[]`,
                index: obj.messages,
                value: reader.bytes()
              }

              obj.messages++

              break
            }
            case 4: {
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
            case 5: {
              if (opts.limits?.capabilities != null && obj.capabilities === opts.limits.capabilities) {
                throw new MaxLengthError('Streaming decode error - repeated field "capabilities" had too many elements')
              }

              yield {
                field: `${prefix}.capabilities[]`,
                index: obj.capabilities,
                value: reader.bytes()
              }

              obj.capabilities++

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

  export interface GroupPacketSummaryFieldEvent {
    field: '$.summary'
    value: Uint8Array
  }

  export interface GroupPacketOpsFieldEvent {
    field: '$.ops[]'
    index: number
    value: Uint8Array
  }

  export interface GroupPacketMessagesFieldEvent {
    field: '$.messages[]'
    index: number
    value: Uint8Array
  }

  export interface GroupPacketReceiptsFieldEvent {
    field: '$.receipts[]'
    index: number
    value: Uint8Array
  }

  export interface GroupPacketCapabilitiesFieldEvent {
    field: '$.capabilities[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<GroupPacket>): Uint8Array {
    return encodeMessage(obj, GroupPacket.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPacket>): GroupPacket {
    return decodeMessage(buf, GroupPacket.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPacket>): Generator<GroupPacketSummaryFieldEvent | GroupPacketOpsFieldEvent | GroupPacketMessagesFieldEvent | GroupPacketReceiptsFieldEvent | GroupPacketCapabilitiesFieldEvent> {
    return streamMessage(buf, GroupPacket.codec(), opts)
  }
}

export interface GroupReply {
  code: GroupReply.Code
  reason: string
  packet?: GroupPacket
  more: boolean
}

export namespace GroupReply {
  export enum Code {
    OK = 'OK',
    NOT_A_MEMBER = 'NOT_A_MEMBER',
    MALFORMED = 'MALFORMED',
    RATE_LIMITED = 'RATE_LIMITED',
    FAILED = 'FAILED',
    UNKNOWN_ROOM = 'UNKNOWN_ROOM'
  }

  enum __CodeValues {
    OK = 0,
    NOT_A_MEMBER = 1,
    MALFORMED = 2,
    RATE_LIMITED = 3,
    FAILED = 4,
    UNKNOWN_ROOM = 5
  }

  export namespace Code {
    export const codec = (): Codec<Code> => {
      return enumeration<Code>(__CodeValues)
    }
  }

  let _codec: Codec<GroupReply>

  export const codec = (): Codec<GroupReply> => {
    if (_codec == null) {
      _codec = message<GroupReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __CodeValues[obj.code] !== 0) {
          w.uint32(8)
          GroupReply.Code.codec().encode(obj.code, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (obj.packet != null) {
          w.uint32(26)
          GroupPacket.codec().encode(obj.packet, w)
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(32)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: Code.OK,
          reason: '',
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = GroupReply.Code.codec().decode(reader)
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            case 3: {
              obj.packet = GroupPacket.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.packet
              })
              break
            }
            case 4: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: GroupReply.Code.codec().decode(reader)
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
            case 3: {
              yield * GroupPacket.codec().stream(reader, reader.uint32(), `${prefix}.packet`, {
                limits: opts.limits?.packet
              })

              break
            }
            case 4: {
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

  export interface GroupReplyCodeFieldEvent {
    field: '$.code'
    value: GroupReply.Code
  }

  export interface GroupReplyReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface GroupReplyPacketSummaryFieldEvent {
    field: '$.packet.summary'
    value: Uint8Array
  }

  export interface GroupReplyPacketOpsFieldEvent {
    field: '$.packet.ops[]'
    index: number
    value: Uint8Array
  }

  export interface GroupReplyPacketMessagesFieldEvent {
    field: '$.packet.messages[]'
    index: number
    value: Uint8Array
  }

  export interface GroupReplyPacketReceiptsFieldEvent {
    field: '$.packet.receipts[]'
    index: number
    value: Uint8Array
  }

  export interface GroupReplyPacketCapabilitiesFieldEvent {
    field: '$.packet.capabilities[]'
    index: number
    value: Uint8Array
  }

  export interface GroupReplyMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<GroupReply>): Uint8Array {
    return encodeMessage(obj, GroupReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupReply>): GroupReply {
    return decodeMessage(buf, GroupReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupReply>): Generator<GroupReplyCodeFieldEvent | GroupReplyReasonFieldEvent | GroupReplyPacketSummaryFieldEvent | GroupReplyPacketOpsFieldEvent | GroupReplyPacketMessagesFieldEvent | GroupReplyPacketReceiptsFieldEvent | GroupReplyPacketCapabilitiesFieldEvent | GroupReplyMoreFieldEvent> {
    return streamMessage(buf, GroupReply.codec(), opts)
  }
}
