import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface GroupMail {
  ephemeral: Uint8Array
  ciphertext: Uint8Array
}

export namespace GroupMail {
  let _codec: Codec<GroupMail>

  export const codec = (): Codec<GroupMail> => {
    if (_codec == null) {
      _codec = message<GroupMail>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ephemeral != null && obj.ephemeral.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ephemeral)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ephemeral: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ephemeral = reader.bytes()
              break
            }
            case 2: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.ephemeral`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ciphertext`,
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

  export interface GroupMailEphemeralFieldEvent {
    field: '$.ephemeral'
    value: Uint8Array
  }

  export interface GroupMailCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<GroupMail>): Uint8Array {
    return encodeMessage(obj, GroupMail.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMail>): GroupMail {
    return decodeMessage(buf, GroupMail.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMail>): Generator<GroupMailEphemeralFieldEvent | GroupMailCiphertextFieldEvent> {
    return streamMessage(buf, GroupMail.codec(), opts)
  }
}

export interface GroupMailContent {
  sender: Uint8Array
  senderDevice: Uint8Array
  deviceSignature: Uint8Array
  packet: Uint8Array
}

export namespace GroupMailContent {
  let _codec: Codec<GroupMailContent>

  export const codec = (): Codec<GroupMailContent> => {
    if (_codec == null) {
      _codec = message<GroupMailContent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sender)
        }

        if ((obj.senderDevice != null && obj.senderDevice.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.senderDevice)
        }

        if ((obj.deviceSignature != null && obj.deviceSignature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.deviceSignature)
        }

        if ((obj.packet != null && obj.packet.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.packet)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: uint8ArrayAlloc(0),
          senderDevice: uint8ArrayAlloc(0),
          deviceSignature: uint8ArrayAlloc(0),
          packet: uint8ArrayAlloc(0)
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
              obj.senderDevice = reader.bytes()
              break
            }
            case 3: {
              obj.deviceSignature = reader.bytes()
              break
            }
            case 4: {
              obj.packet = reader.bytes()
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
                field: `${prefix}.senderDevice`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.deviceSignature`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.packet`,
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

  export interface GroupMailContentSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface GroupMailContentSenderDeviceFieldEvent {
    field: '$.senderDevice'
    value: Uint8Array
  }

  export interface GroupMailContentDeviceSignatureFieldEvent {
    field: '$.deviceSignature'
    value: Uint8Array
  }

  export interface GroupMailContentPacketFieldEvent {
    field: '$.packet'
    value: Uint8Array
  }

  export function encode (obj: Partial<GroupMailContent>): Uint8Array {
    return encodeMessage(obj, GroupMailContent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMailContent>): GroupMailContent {
    return decodeMessage(buf, GroupMailContent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMailContent>): Generator<GroupMailContentSenderFieldEvent | GroupMailContentSenderDeviceFieldEvent | GroupMailContentDeviceSignatureFieldEvent | GroupMailContentPacketFieldEvent> {
    return streamMessage(buf, GroupMailContent.codec(), opts)
  }
}
