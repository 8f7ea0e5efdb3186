import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Envelope {
  version: number
  id: Uint8Array
  recipient: Uint8Array
  recipientDevice: Uint8Array
  created: number
  expiresAt: number
  payload: Uint8Array
  group?: Uint8Array
  chunk?: ChunkRef
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.id)
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.recipient)
        }

        if ((obj.recipientDevice != null && obj.recipientDevice.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.recipientDevice)
        }

        if ((obj.created != null && obj.created !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.created)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.payload)
        }

        if (obj.group != null) {
          w.uint32(66)
          w.bytes(obj.group)
        }

        if (obj.chunk != null) {
          w.uint32(74)
          ChunkRef.codec().encode(obj.chunk, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          id: uint8ArrayAlloc(0),
          recipient: uint8ArrayAlloc(0),
          recipientDevice: uint8ArrayAlloc(0),
          created: 0,
          expiresAt: 0,
          payload: uint8ArrayAlloc(0)
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
              obj.id = reader.bytes()
              break
            }
            case 3: {
              obj.recipient = reader.bytes()
              break
            }
            case 4: {
              obj.recipientDevice = reader.bytes()
              break
            }
            case 5: {
              obj.created = reader.uint64Number()
              break
            }
            case 6: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.payload = reader.bytes()
              break
            }
            case 8: {
              obj.group = reader.bytes()
              break
            }
            case 9: {
              obj.chunk = ChunkRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.recipientDevice`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.created`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield * ChunkRef.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
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

  export interface EnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EnvelopeIdFieldEvent {
    field: '$.id'
    value: Uint8Array
  }

  export interface EnvelopeRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array
  }

  export interface EnvelopeRecipientDeviceFieldEvent {
    field: '$.recipientDevice'
    value: Uint8Array
  }

  export interface EnvelopeCreatedFieldEvent {
    field: '$.created'
    value: number
  }

  export interface EnvelopeExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface EnvelopePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export interface EnvelopeGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface EnvelopeChunkRootFieldEvent {
    field: '$.chunk.root'
    value: Uint8Array
  }

  export interface EnvelopeChunkIndexFieldEvent {
    field: '$.chunk.index'
    value: number
  }

  export function encode (obj: Partial<Envelope>): Uint8Array {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeVersionFieldEvent | EnvelopeIdFieldEvent | EnvelopeRecipientFieldEvent | EnvelopeRecipientDeviceFieldEvent | EnvelopeCreatedFieldEvent | EnvelopeExpiresAtFieldEvent | EnvelopePayloadFieldEvent | EnvelopeGroupFieldEvent | EnvelopeChunkRootFieldEvent | EnvelopeChunkIndexFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}

export interface ChunkRef {
  root: Uint8Array
  index: number
}

export namespace ChunkRef {
  let _codec: Codec<ChunkRef>

  export const codec = (): Codec<ChunkRef> => {
    if (_codec == null) {
      _codec = message<ChunkRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.root != null && obj.root.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.root)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint32(obj.index)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          root: uint8ArrayAlloc(0),
          index: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.root = reader.bytes()
              break
            }
            case 2: {
              obj.index = reader.uint32()
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
                field: `${prefix}.root`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
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

  export interface ChunkRefRootFieldEvent {
    field: '$.root'
    value: Uint8Array
  }

  export interface ChunkRefIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export function encode (obj: Partial<ChunkRef>): Uint8Array {
    return encodeMessage(obj, ChunkRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRef>): ChunkRef {
    return decodeMessage(buf, ChunkRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRef>): Generator<ChunkRefRootFieldEvent | ChunkRefIndexFieldEvent> {
    return streamMessage(buf, ChunkRef.codec(), opts)
  }
}

export interface Sealed {
  initial: Uint8Array
  header: Uint8Array
  ciphertext: Uint8Array
}

export namespace Sealed {
  let _codec: Codec<Sealed>

  export const codec = (): Codec<Sealed> => {
    if (_codec == null) {
      _codec = message<Sealed>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.initial != null && obj.initial.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.initial)
        }

        if ((obj.header != null && obj.header.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.header)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          initial: uint8ArrayAlloc(0),
          header: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.initial = reader.bytes()
              break
            }
            case 2: {
              obj.header = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.initial`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.header`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
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

  export interface SealedInitialFieldEvent {
    field: '$.initial'
    value: Uint8Array
  }

  export interface SealedHeaderFieldEvent {
    field: '$.header'
    value: Uint8Array
  }

  export interface SealedCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<Sealed>): Uint8Array {
    return encodeMessage(obj, Sealed.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Sealed>): Sealed {
    return decodeMessage(buf, Sealed.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Sealed>): Generator<SealedInitialFieldEvent | SealedHeaderFieldEvent | SealedCiphertextFieldEvent> {
    return streamMessage(buf, Sealed.codec(), opts)
  }
}

export interface Content {
  sender: Uint8Array
  senderDevice: Uint8Array
  deviceSignature: Uint8Array
  text: string
  sentAt: number
  capability?: Uint8Array
  disappearing?: boolean
  read: string[]
  restart?: boolean
  devices?: Uint8Array
  sent?: SentCopy
  readSync?: ReadSync
  contactSync?: Uint8Array
  file?: FileRef
  call?: CallSignal
}

export namespace Content {
  let _codec: Codec<Content>

  export const codec = (): Codec<Content> => {
    if (_codec == null) {
      _codec = message<Content>((obj, w, opts = {}) => {
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

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(34)
          w.string(obj.text)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.sentAt)
        }

        if (obj.capability != null) {
          w.uint32(50)
          w.bytes(obj.capability)
        }

        if (obj.disappearing != null) {
          w.uint32(56)
          w.bool(obj.disappearing)
        }

        if (obj.read != null && obj.read.length > 0) {
          for (const value of obj.read) {
            w.uint32(66)
            w.string(value)
          }
        }

        if (obj.restart != null) {
          w.uint32(72)
          w.bool(obj.restart)
        }

        if (obj.devices != null) {
          w.uint32(82)
          w.bytes(obj.devices)
        }

        if (obj.sent != null) {
          w.uint32(90)
          SentCopy.codec().encode(obj.sent, w)
        }

        if (obj.readSync != null) {
          w.uint32(98)
          ReadSync.codec().encode(obj.readSync, w)
        }

        if (obj.contactSync != null) {
          w.uint32(106)
          w.bytes(obj.contactSync)
        }

        if (obj.file != null) {
          w.uint32(114)
          FileRef.codec().encode(obj.file, w)
        }

        if (obj.call != null) {
          w.uint32(122)
          CallSignal.codec().encode(obj.call, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: uint8ArrayAlloc(0),
          senderDevice: uint8ArrayAlloc(0),
          deviceSignature: uint8ArrayAlloc(0),
          text: '',
          sentAt: 0,
          read: []
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
              obj.text = reader.string()
              break
            }
            case 5: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.capability = reader.bytes()
              break
            }
            case 7: {
              obj.disappearing = reader.bool()
              break
            }
            case 8: {
              if (opts.limits?.read != null && obj.read.length === opts.limits.read) {
                throw new MaxLengthError('Decode error - repeated field "read" had too many elements')
              }

              obj.read.push(reader.string())
              break
            }
            case 9: {
              obj.restart = reader.bool()
              break
            }
            case 10: {
              obj.devices = reader.bytes()
              break
            }
            case 11: {
              obj.sent = SentCopy.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.sent
              })
              break
            }
            case 12: {
              obj.readSync = ReadSync.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.readSync
              })
              break
            }
            case 13: {
              obj.contactSync = reader.bytes()
              break
            }
            case 14: {
              obj.file = FileRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.file
              })
              break
            }
            case 15: {
              obj.call = CallSignal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.call
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
        const obj = {
          read: 0
        }

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
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.capability`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.disappearing`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              if (opts.limits?.read != null && obj.read === opts.limits.read) {
                throw new MaxLengthError('Streaming decode error - repeated field "read" had too many elements')
              }

              yield {
                field: `${prefix}.read[]`,
                index: obj.read,
                value: reader.string()
              }

              obj.read++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.restart`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.devices`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield * SentCopy.codec().stream(reader, reader.uint32(), `${prefix}.sent`, {
                limits: opts.limits?.sent
              })

              break
            }
            case 12: {
              yield * ReadSync.codec().stream(reader, reader.uint32(), `${prefix}.readSync`, {
                limits: opts.limits?.readSync
              })

              break
            }
            case 13: {
              yield {
                field: `${prefix}.contactSync`,
                value: reader.bytes()
              }
              break
            }
            case 14: {
              yield * FileRef.codec().stream(reader, reader.uint32(), `${prefix}.file`, {
                limits: opts.limits?.file
              })

              break
            }
            case 15: {
              yield * CallSignal.codec().stream(reader, reader.uint32(), `${prefix}.call`, {
                limits: opts.limits?.call
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

  export interface ContentSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface ContentSenderDeviceFieldEvent {
    field: '$.senderDevice'
    value: Uint8Array
  }

  export interface ContentDeviceSignatureFieldEvent {
    field: '$.deviceSignature'
    value: Uint8Array
  }

  export interface ContentTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ContentSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface ContentCapabilityFieldEvent {
    field: '$.capability'
    value: Uint8Array
  }

  export interface ContentDisappearingFieldEvent {
    field: '$.disappearing'
    value: boolean
  }

  export interface ContentReadFieldEvent {
    field: '$.read[]'
    index: number
    value: string
  }

  export interface ContentRestartFieldEvent {
    field: '$.restart'
    value: boolean
  }

  export interface ContentDevicesFieldEvent {
    field: '$.devices'
    value: Uint8Array
  }

  export interface ContentSentRecipientFieldEvent {
    field: '$.sent.recipient'
    value: Uint8Array
  }

  export interface ContentSentPeerFieldEvent {
    field: '$.sent.peer'
    value: string
  }

  export interface ContentSentIdFieldEvent {
    field: '$.sent.id'
    value: string
  }

  export interface ContentSentExpiresAtFieldEvent {
    field: '$.sent.expiresAt'
    value: number
  }

  export interface ContentReadSyncContactFieldEvent {
    field: '$.readSync.contact'
    value: Uint8Array
  }

  export interface ContentReadSyncPeerFieldEvent {
    field: '$.readSync.peer'
    value: string
  }

  export interface ContentReadSyncIdsFieldEvent {
    field: '$.readSync.ids[]'
    index: number
    value: string
  }

  export interface ContentContactSyncFieldEvent {
    field: '$.contactSync'
    value: Uint8Array
  }

  export interface ContentFileIdFieldEvent {
    field: '$.file.id'
    value: Uint8Array
  }

  export interface ContentFileKeyFieldEvent {
    field: '$.file.key'
    value: Uint8Array
  }

  export interface ContentFileNameFieldEvent {
    field: '$.file.name'
    value: string
  }

  export interface ContentFileSizeFieldEvent {
    field: '$.file.size'
    value: number
  }

  export interface ContentFileTypeFieldEvent {
    field: '$.file.type'
    value: string
  }

  export interface ContentFileChunkSizeFieldEvent {
    field: '$.file.chunkSize'
    value: number
  }

  export interface ContentFileChunksFieldEvent {
    field: '$.file.chunks'
    value: number
  }

  export interface ContentFileRootFieldEvent {
    field: '$.file.root'
    value: Uint8Array
  }

  export interface ContentFileSha256FieldEvent {
    field: '$.file.sha256'
    value: Uint8Array
  }

  export interface ContentFileThumbnailFieldEvent {
    field: '$.file.thumbnail'
    value: Uint8Array
  }

  export interface ContentCallIdFieldEvent {
    field: '$.call.id'
    value: Uint8Array
  }

  export interface ContentCallKindFieldEvent {
    field: '$.call.kind'
    value: CallSignal.Kind
  }

  export interface ContentCallSdpFieldEvent {
    field: '$.call.sdp'
    value: string
  }

  export interface ContentCallCandidatesFieldEvent {
    field: '$.call.candidates[]'
    index: number
    value: string
  }

  export interface ContentCallVideoFieldEvent {
    field: '$.call.video'
    value: boolean
  }

  export interface ContentCallMediaKeyFieldEvent {
    field: '$.call.mediaKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<Content>): Uint8Array {
    return encodeMessage(obj, Content.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Content>): Content {
    return decodeMessage(buf, Content.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Content>): Generator<ContentSenderFieldEvent | ContentSenderDeviceFieldEvent | ContentDeviceSignatureFieldEvent | ContentTextFieldEvent | ContentSentAtFieldEvent | ContentCapabilityFieldEvent | ContentDisappearingFieldEvent | ContentReadFieldEvent | ContentRestartFieldEvent | ContentDevicesFieldEvent | ContentSentRecipientFieldEvent | ContentSentPeerFieldEvent | ContentSentIdFieldEvent | ContentSentExpiresAtFieldEvent | ContentReadSyncContactFieldEvent | ContentReadSyncPeerFieldEvent | ContentReadSyncIdsFieldEvent | ContentContactSyncFieldEvent | ContentFileIdFieldEvent | ContentFileKeyFieldEvent | ContentFileNameFieldEvent | ContentFileSizeFieldEvent | ContentFileTypeFieldEvent | ContentFileChunkSizeFieldEvent | ContentFileChunksFieldEvent | ContentFileRootFieldEvent | ContentFileSha256FieldEvent | ContentFileThumbnailFieldEvent | ContentCallIdFieldEvent | ContentCallKindFieldEvent | ContentCallSdpFieldEvent | ContentCallCandidatesFieldEvent | ContentCallVideoFieldEvent | ContentCallMediaKeyFieldEvent> {
    return streamMessage(buf, Content.codec(), opts)
  }
}

export interface CallSignal {
  id: Uint8Array
  kind: CallSignal.Kind
  sdp: string
  candidates: string[]
  video: boolean
  mediaKey?: Uint8Array
}

export namespace CallSignal {
  export enum Kind {
    OFFER = 'OFFER',
    ANSWER = 'ANSWER',
    CANDIDATES = 'CANDIDATES',
    HANGUP = 'HANGUP',
    BUSY = 'BUSY',
    DECLINE = 'DECLINE'
  }

  enum __KindValues {
    OFFER = 0,
    ANSWER = 1,
    CANDIDATES = 2,
    HANGUP = 3,
    BUSY = 4,
    DECLINE = 5
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<CallSignal>

  export const codec = (): Codec<CallSignal> => {
    if (_codec == null) {
      _codec = message<CallSignal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          CallSignal.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.sdp != null && obj.sdp !== '')) {
          w.uint32(26)
          w.string(obj.sdp)
        }

        if (obj.candidates != null && obj.candidates.length > 0) {
          for (const value of obj.candidates) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.video != null && obj.video !== false)) {
          w.uint32(40)
          w.bool(obj.video)
        }

        if (obj.mediaKey != null) {
          w.uint32(50)
          w.bytes(obj.mediaKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          kind: Kind.OFFER,
          sdp: '',
          candidates: [],
          video: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.kind = CallSignal.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.sdp = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.candidates != null && obj.candidates.length === opts.limits.candidates) {
                throw new MaxLengthError('Decode error - repeated field "candidates" had too many elements')
              }

              obj.candidates.push(reader.string())
              break
            }
            case 5: {
              obj.video = reader.bool()
              break
            }
            case 6: {
              obj.mediaKey = reader.bytes()
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
          candidates: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: CallSignal.Kind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sdp`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.candidates != null && obj.candidates === opts.limits.candidates) {
                throw new MaxLengthError('Streaming decode error - repeated field "candidates" had too many elements')
              }

              yield {
                field: `${prefix}.candidates[]`,
                index: obj.candidates,
                value: reader.string()
              }

              obj.candidates++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.video`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.mediaKey`,
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

  export interface CallSignalIdFieldEvent {
    field: '$.id'
    value: Uint8Array
  }

  export interface CallSignalKindFieldEvent {
    field: '$.kind'
    value: CallSignal.Kind
  }

  export interface CallSignalSdpFieldEvent {
    field: '$.sdp'
    value: string
  }

  export interface CallSignalCandidatesFieldEvent {
    field: '$.candidates[]'
    index: number
    value: string
  }

  export interface CallSignalVideoFieldEvent {
    field: '$.video'
    value: boolean
  }

  export interface CallSignalMediaKeyFieldEvent {
    field: '$.mediaKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<CallSignal>): Uint8Array {
    return encodeMessage(obj, CallSignal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallSignal>): CallSignal {
    return decodeMessage(buf, CallSignal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallSignal>): Generator<CallSignalIdFieldEvent | CallSignalKindFieldEvent | CallSignalSdpFieldEvent | CallSignalCandidatesFieldEvent | CallSignalVideoFieldEvent | CallSignalMediaKeyFieldEvent> {
    return streamMessage(buf, CallSignal.codec(), opts)
  }
}

export interface FileRef {
  id: Uint8Array
  key: Uint8Array
  name: string
  size: number
  type: string
  chunkSize: number
  chunks: number
  root: Uint8Array
  sha256: Uint8Array
  thumbnail?: Uint8Array
}

export namespace FileRef {
  let _codec: Codec<FileRef>

  export const codec = (): Codec<FileRef> => {
    if (_codec == null) {
      _codec = message<FileRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.key)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(26)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.size)
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(42)
          w.string(obj.type)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(48)
          w.uint32(obj.chunkSize)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(56)
          w.uint32(obj.chunks)
        }

        if ((obj.root != null && obj.root.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.root)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.sha256)
        }

        if (obj.thumbnail != null) {
          w.uint32(82)
          w.bytes(obj.thumbnail)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          key: uint8ArrayAlloc(0),
          name: '',
          size: 0,
          type: '',
          chunkSize: 0,
          chunks: 0,
          root: uint8ArrayAlloc(0),
          sha256: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.key = reader.bytes()
              break
            }
            case 3: {
              obj.name = reader.string()
              break
            }
            case 4: {
              obj.size = reader.uint64Number()
              break
            }
            case 5: {
              obj.type = reader.string()
              break
            }
            case 6: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 7: {
              obj.chunks = reader.uint32()
              break
            }
            case 8: {
              obj.root = reader.bytes()
              break
            }
            case 9: {
              obj.sha256 = reader.bytes()
              break
            }
            case 10: {
              obj.thumbnail = reader.bytes()
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
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.root`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.thumbnail`,
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

  export interface FileRefIdFieldEvent {
    field: '$.id'
    value: Uint8Array
  }

  export interface FileRefKeyFieldEvent {
    field: '$.key'
    value: Uint8Array
  }

  export interface FileRefNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface FileRefSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface FileRefTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export interface FileRefChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface FileRefChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface FileRefRootFieldEvent {
    field: '$.root'
    value: Uint8Array
  }

  export interface FileRefSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array
  }

  export interface FileRefThumbnailFieldEvent {
    field: '$.thumbnail'
    value: Uint8Array
  }

  export function encode (obj: Partial<FileRef>): Uint8Array {
    return encodeMessage(obj, FileRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRef>): FileRef {
    return decodeMessage(buf, FileRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRef>): Generator<FileRefIdFieldEvent | FileRefKeyFieldEvent | FileRefNameFieldEvent | FileRefSizeFieldEvent | FileRefTypeFieldEvent | FileRefChunkSizeFieldEvent | FileRefChunksFieldEvent | FileRefRootFieldEvent | FileRefSha256FieldEvent | FileRefThumbnailFieldEvent> {
    return streamMessage(buf, FileRef.codec(), opts)
  }
}

export interface ReadSync {
  contact: Uint8Array
  peer: string
  ids: string[]
}

export namespace ReadSync {
  let _codec: Codec<ReadSync>

  export const codec = (): Codec<ReadSync> => {
    if (_codec == null) {
      _codec = message<ReadSync>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.contact != null && obj.contact.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.contact)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(18)
          w.string(obj.peer)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          contact: uint8ArrayAlloc(0),
          peer: '',
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.contact = reader.bytes()
              break
            }
            case 2: {
              obj.peer = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.string())
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
              yield {
                field: `${prefix}.contact`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.string()
              }

              obj.ids++

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

  export interface ReadSyncContactFieldEvent {
    field: '$.contact'
    value: Uint8Array
  }

  export interface ReadSyncPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface ReadSyncIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<ReadSync>): Uint8Array {
    return encodeMessage(obj, ReadSync.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadSync>): ReadSync {
    return decodeMessage(buf, ReadSync.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadSync>): Generator<ReadSyncContactFieldEvent | ReadSyncPeerFieldEvent | ReadSyncIdsFieldEvent> {
    return streamMessage(buf, ReadSync.codec(), opts)
  }
}

export interface SentCopy {
  recipient: Uint8Array
  peer: string
  id: string
  expiresAt: number
}

export namespace SentCopy {
  let _codec: Codec<SentCopy>

  export const codec = (): Codec<SentCopy> => {
    if (_codec == null) {
      _codec = message<SentCopy>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.recipient)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(18)
          w.string(obj.peer)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(26)
          w.string(obj.id)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recipient: uint8ArrayAlloc(0),
          peer: '',
          id: '',
          expiresAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.recipient = reader.bytes()
              break
            }
            case 2: {
              obj.peer = reader.string()
              break
            }
            case 3: {
              obj.id = reader.string()
              break
            }
            case 4: {
              obj.expiresAt = reader.uint64Number()
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
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.expiresAt`,
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

  export interface SentCopyRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array
  }

  export interface SentCopyPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface SentCopyIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface SentCopyExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export function encode (obj: Partial<SentCopy>): Uint8Array {
    return encodeMessage(obj, SentCopy.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SentCopy>): SentCopy {
    return decodeMessage(buf, SentCopy.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SentCopy>): Generator<SentCopyRecipientFieldEvent | SentCopyPeerFieldEvent | SentCopyIdFieldEvent | SentCopyExpiresAtFieldEvent> {
    return streamMessage(buf, SentCopy.codec(), opts)
  }
}

export interface Invite {
  version: number
  identity: Uint8Array
  peerId: Uint8Array
  deviceSignature: Uint8Array
  addresses: Uint8Array[]
  name: string
  expiresAt: number
  signature: Uint8Array
  bundle: Uint8Array
  mailboxes: InviteMailbox[]
  deviceSigned: boolean
}

export namespace Invite {
  let _codec: Codec<Invite>

  export const codec = (): Codec<Invite> => {
    if (_codec == null) {
      _codec = message<Invite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.identity != null && obj.identity.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.identity)
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.peerId)
        }

        if ((obj.deviceSignature != null && obj.deviceSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.deviceSignature)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(50)
          w.string(obj.name)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.signature)
        }

        if ((obj.bundle != null && obj.bundle.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.bundle)
        }

        if (obj.mailboxes != null && obj.mailboxes.length > 0) {
          for (const value of obj.mailboxes) {
            w.uint32(82)
            InviteMailbox.codec().encode(value, w)
          }
        }

        if ((obj.deviceSigned != null && obj.deviceSigned !== false)) {
          w.uint32(88)
          w.bool(obj.deviceSigned)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          identity: uint8ArrayAlloc(0),
          peerId: uint8ArrayAlloc(0),
          deviceSignature: uint8ArrayAlloc(0),
          addresses: [],
          name: '',
          expiresAt: 0,
          signature: uint8ArrayAlloc(0),
          bundle: uint8ArrayAlloc(0),
          mailboxes: [],
          deviceSigned: false
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
              obj.identity = reader.bytes()
              break
            }
            case 3: {
              obj.peerId = reader.bytes()
              break
            }
            case 4: {
              obj.deviceSignature = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.bytes())
              break
            }
            case 6: {
              obj.name = reader.string()
              break
            }
            case 7: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 8: {
              obj.signature = reader.bytes()
              break
            }
            case 9: {
              obj.bundle = reader.bytes()
              break
            }
            case 10: {
              if (opts.limits?.mailboxes != null && obj.mailboxes.length === opts.limits.mailboxes) {
                throw new MaxLengthError('Decode error - repeated field "mailboxes" had too many elements')
              }

              obj.mailboxes.push(InviteMailbox.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mailboxes$
              }))
              break
            }
            case 11: {
              obj.deviceSigned = reader.bool()
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
          addresses: 0,
          mailboxes: 0
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
                field: `${prefix}.identity`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.deviceSignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.bytes()
              }

              obj.addresses++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.bundle`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              if (opts.limits?.mailboxes != null && obj.mailboxes === opts.limits.mailboxes) {
                throw new MaxLengthError('Streaming decode error - repeated field "mailboxes" had too many elements')
              }

              for (const evt of InviteMailbox.codec().stream(reader, reader.uint32(), `${prefix}.mailboxes[]`, {
                limits: opts.limits?.mailboxes$
              })) {
                yield {
                  ...evt,
                  index: obj.mailboxes
                }
              }

              obj.mailboxes++

              break
            }
            case 11: {
              yield {
                field: `${prefix}.deviceSigned`,
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

  export interface InviteVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface InviteIdentityFieldEvent {
    field: '$.identity'
    value: Uint8Array
  }

  export interface InvitePeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface InviteDeviceSignatureFieldEvent {
    field: '$.deviceSignature'
    value: Uint8Array
  }

  export interface InviteAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: Uint8Array
  }

  export interface InviteNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface InviteExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface InviteSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface InviteBundleFieldEvent {
    field: '$.bundle'
    value: Uint8Array
  }

  export interface InviteMailboxesPeerIdFieldEvent {
    field: '$.mailboxes[].peerId'
    value: Uint8Array
    index: number
  }

  export interface InviteMailboxesAddrsFieldEvent {
    field: '$.mailboxes[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface InviteDeviceSignedFieldEvent {
    field: '$.deviceSigned'
    value: boolean
  }

  export function encode (obj: Partial<Invite>): Uint8Array {
    return encodeMessage(obj, Invite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Invite {
    return decodeMessage(buf, Invite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Generator<InviteVersionFieldEvent | InviteIdentityFieldEvent | InvitePeerIdFieldEvent | InviteDeviceSignatureFieldEvent | InviteAddressesFieldEvent | InviteNameFieldEvent | InviteExpiresAtFieldEvent | InviteSignatureFieldEvent | InviteBundleFieldEvent | InviteMailboxesPeerIdFieldEvent | InviteMailboxesAddrsFieldEvent | InviteDeviceSignedFieldEvent> {
    return streamMessage(buf, Invite.codec(), opts)
  }
}

export interface InviteMailbox {
  peerId: Uint8Array
  addrs: Uint8Array[]
}

export namespace InviteMailbox {
  let _codec: Codec<InviteMailbox>

  export const codec = (): Codec<InviteMailbox> => {
    if (_codec == null) {
      _codec = message<InviteMailbox>((obj, w, opts = {}) => {
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

  export interface InviteMailboxPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface InviteMailboxAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<InviteMailbox>): Uint8Array {
    return encodeMessage(obj, InviteMailbox.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMailbox>): InviteMailbox {
    return decodeMessage(buf, InviteMailbox.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMailbox>): Generator<InviteMailboxPeerIdFieldEvent | InviteMailboxAddrsFieldEvent> {
    return streamMessage(buf, InviteMailbox.codec(), opts)
  }
}

export interface SignedRecord {
  version: number
  kind: string
  identity: Uint8Array
  seq: number
  expiresAt: number
  payload: Uint8Array
  signature: Uint8Array
  signer?: RecordSigner
}

export namespace SignedRecord {
  let _codec: Codec<SignedRecord>

  export const codec = (): Codec<SignedRecord> => {
    if (_codec == null) {
      _codec = message<SignedRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(18)
          w.string(obj.kind)
        }

        if ((obj.identity != null && obj.identity.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identity)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.payload)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (obj.signer != null) {
          w.uint32(66)
          RecordSigner.codec().encode(obj.signer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: '',
          identity: uint8ArrayAlloc(0),
          seq: 0,
          expiresAt: 0,
          payload: uint8ArrayAlloc(0),
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
              obj.kind = reader.string()
              break
            }
            case 3: {
              obj.identity = reader.bytes()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.payload = reader.bytes()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            case 8: {
              obj.signer = RecordSigner.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signer
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identity`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield * RecordSigner.codec().stream(reader, reader.uint32(), `${prefix}.signer`, {
                limits: opts.limits?.signer
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

  export interface SignedRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SignedRecordKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface SignedRecordIdentityFieldEvent {
    field: '$.identity'
    value: Uint8Array
  }

  export interface SignedRecordSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface SignedRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface SignedRecordPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export interface SignedRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface SignedRecordSignerDeviceFieldEvent {
    field: '$.signer.device'
    value: Uint8Array
  }

  export interface SignedRecordSignerCertificateFieldEvent {
    field: '$.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedRecord>): Uint8Array {
    return encodeMessage(obj, SignedRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRecord>): SignedRecord {
    return decodeMessage(buf, SignedRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRecord>): Generator<SignedRecordVersionFieldEvent | SignedRecordKindFieldEvent | SignedRecordIdentityFieldEvent | SignedRecordSeqFieldEvent | SignedRecordExpiresAtFieldEvent | SignedRecordPayloadFieldEvent | SignedRecordSignatureFieldEvent | SignedRecordSignerDeviceFieldEvent | SignedRecordSignerCertificateFieldEvent> {
    return streamMessage(buf, SignedRecord.codec(), opts)
  }
}

export interface RecordSigner {
  device: Uint8Array
  certificate: Uint8Array
}

export namespace RecordSigner {
  let _codec: Codec<RecordSigner>

  export const codec = (): Codec<RecordSigner> => {
    if (_codec == null) {
      _codec = message<RecordSigner>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.device)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          device: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.device = reader.bytes()
              break
            }
            case 2: {
              obj.certificate = reader.bytes()
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
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.certificate`,
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

  export interface RecordSignerDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface RecordSignerCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<RecordSigner>): Uint8Array {
    return encodeMessage(obj, RecordSigner.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RecordSigner>): RecordSigner {
    return decodeMessage(buf, RecordSigner.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RecordSigner>): Generator<RecordSignerDeviceFieldEvent | RecordSignerCertificateFieldEvent> {
    return streamMessage(buf, RecordSigner.codec(), opts)
  }
}

export interface DeviceList {
  devices: Device[]
}

export namespace DeviceList {
  let _codec: Codec<DeviceList>

  export const codec = (): Codec<DeviceList> => {
    if (_codec == null) {
      _codec = message<DeviceList>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.devices != null && obj.devices.length > 0) {
          for (const value of obj.devices) {
            w.uint32(10)
            Device.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          devices: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.devices != null && obj.devices.length === opts.limits.devices) {
                throw new MaxLengthError('Decode error - repeated field "devices" had too many elements')
              }

              obj.devices.push(Device.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.devices$
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
          devices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.devices != null && obj.devices === opts.limits.devices) {
                throw new MaxLengthError('Streaming decode error - repeated field "devices" had too many elements')
              }

              for (const evt of Device.codec().stream(reader, reader.uint32(), `${prefix}.devices[]`, {
                limits: opts.limits?.devices$
              })) {
                yield {
                  ...evt,
                  index: obj.devices
                }
              }

              obj.devices++

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

  export interface DeviceListDevicesPeerIdFieldEvent {
    field: '$.devices[].peerId'
    value: Uint8Array
    index: number
  }

  export interface DeviceListDevicesSignatureFieldEvent {
    field: '$.devices[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<DeviceList>): Uint8Array {
    return encodeMessage(obj, DeviceList.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceList>): DeviceList {
    return decodeMessage(buf, DeviceList.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceList>): Generator<DeviceListDevicesPeerIdFieldEvent | DeviceListDevicesSignatureFieldEvent> {
    return streamMessage(buf, DeviceList.codec(), opts)
  }
}

export interface Device {
  peerId: Uint8Array
  signature: Uint8Array
}

export namespace Device {
  let _codec: Codec<Device>

  export const codec = (): Codec<Device> => {
    if (_codec == null) {
      _codec = message<Device>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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

  export interface DevicePeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface DeviceSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<Device>): Uint8Array {
    return encodeMessage(obj, Device.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Device>): Device {
    return decodeMessage(buf, Device.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Device>): Generator<DevicePeerIdFieldEvent | DeviceSignatureFieldEvent> {
    return streamMessage(buf, Device.codec(), opts)
  }
}

export interface MailboxSet {
  hosts: Uint8Array[]
}

export namespace MailboxSet {
  let _codec: Codec<MailboxSet>

  export const codec = (): Codec<MailboxSet> => {
    if (_codec == null) {
      _codec = message<MailboxSet>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hosts != null && obj.hosts.length > 0) {
          for (const value of obj.hosts) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          hosts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.hosts != null && obj.hosts.length === opts.limits.hosts) {
                throw new MaxLengthError('Decode error - repeated field "hosts" had too many elements')
              }

              obj.hosts.push(reader.bytes())
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
              if (opts.limits?.hosts != null && obj.hosts === opts.limits.hosts) {
                throw new MaxLengthError('Streaming decode error - repeated field "hosts" had too many elements')
              }

              yield {
                field: `${prefix}.hosts[]`,
                index: obj.hosts,
                value: reader.bytes()
              }

              obj.hosts++

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

  export interface MailboxSetHostsFieldEvent {
    field: '$.hosts[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<MailboxSet>): Uint8Array {
    return encodeMessage(obj, MailboxSet.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxSet>): MailboxSet {
    return decodeMessage(buf, MailboxSet.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxSet>): Generator<MailboxSetHostsFieldEvent> {
    return streamMessage(buf, MailboxSet.codec(), opts)
  }
}
