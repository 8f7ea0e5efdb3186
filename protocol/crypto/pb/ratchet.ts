import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RatchetHeader {
  dh: Uint8Array
  pn: number
  n: number
}

export namespace RatchetHeader {
  let _codec: Codec<RatchetHeader>

  export const codec = (): Codec<RatchetHeader> => {
    if (_codec == null) {
      _codec = message<RatchetHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.dh != null && obj.dh.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.dh)
        }

        if ((obj.pn != null && obj.pn !== 0)) {
          w.uint32(16)
          w.uint32(obj.pn)
        }

        if ((obj.n != null && obj.n !== 0)) {
          w.uint32(24)
          w.uint32(obj.n)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          dh: uint8ArrayAlloc(0),
          pn: 0,
          n: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.dh = reader.bytes()
              break
            }
            case 2: {
              obj.pn = reader.uint32()
              break
            }
            case 3: {
              obj.n = reader.uint32()
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
                field: `${prefix}.dh`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.pn`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.n`,
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

  export interface RatchetHeaderDhFieldEvent {
    field: '$.dh'
    value: Uint8Array
  }

  export interface RatchetHeaderPnFieldEvent {
    field: '$.pn'
    value: number
  }

  export interface RatchetHeaderNFieldEvent {
    field: '$.n'
    value: number
  }

  export function encode (obj: Partial<RatchetHeader>): Uint8Array {
    return encodeMessage(obj, RatchetHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): RatchetHeader {
    return decodeMessage(buf, RatchetHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): Generator<RatchetHeaderDhFieldEvent | RatchetHeaderPnFieldEvent | RatchetHeaderNFieldEvent> {
    return streamMessage(buf, RatchetHeader.codec(), opts)
  }
}

export interface SkippedMessageKey {
  dh: Uint8Array
  n: number
  mk: Uint8Array
}

export namespace SkippedMessageKey {
  let _codec: Codec<SkippedMessageKey>

  export const codec = (): Codec<SkippedMessageKey> => {
    if (_codec == null) {
      _codec = message<SkippedMessageKey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.dh != null && obj.dh.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.dh)
        }

        if ((obj.n != null && obj.n !== 0)) {
          w.uint32(16)
          w.uint32(obj.n)
        }

        if ((obj.mk != null && obj.mk.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.mk)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          dh: uint8ArrayAlloc(0),
          n: 0,
          mk: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.dh = reader.bytes()
              break
            }
            case 2: {
              obj.n = reader.uint32()
              break
            }
            case 3: {
              obj.mk = reader.bytes()
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
                field: `${prefix}.dh`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.n`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mk`,
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

  export interface SkippedMessageKeyDhFieldEvent {
    field: '$.dh'
    value: Uint8Array
  }

  export interface SkippedMessageKeyNFieldEvent {
    field: '$.n'
    value: number
  }

  export interface SkippedMessageKeyMkFieldEvent {
    field: '$.mk'
    value: Uint8Array
  }

  export function encode (obj: Partial<SkippedMessageKey>): Uint8Array {
    return encodeMessage(obj, SkippedMessageKey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedMessageKey>): SkippedMessageKey {
    return decodeMessage(buf, SkippedMessageKey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedMessageKey>): Generator<SkippedMessageKeyDhFieldEvent | SkippedMessageKeyNFieldEvent | SkippedMessageKeyMkFieldEvent> {
    return streamMessage(buf, SkippedMessageKey.codec(), opts)
  }
}

export interface RatchetSession {
  dhsPrivate: Uint8Array
  dhsPublic: Uint8Array
  dhr: Uint8Array
  rk: Uint8Array
  cks: Uint8Array
  ckr: Uint8Array
  ns: number
  nr: number
  pn: number
  skipped: SkippedMessageKey[]
  version: number
}

export namespace RatchetSession {
  let _codec: Codec<RatchetSession>

  export const codec = (): Codec<RatchetSession> => {
    if (_codec == null) {
      _codec = message<RatchetSession>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.dhsPrivate != null && obj.dhsPrivate.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.dhsPrivate)
        }

        if ((obj.dhsPublic != null && obj.dhsPublic.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.dhsPublic)
        }

        if ((obj.dhr != null && obj.dhr.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.dhr)
        }

        if ((obj.rk != null && obj.rk.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.rk)
        }

        if ((obj.cks != null && obj.cks.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.cks)
        }

        if ((obj.ckr != null && obj.ckr.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.ckr)
        }

        if ((obj.ns != null && obj.ns !== 0)) {
          w.uint32(56)
          w.uint32(obj.ns)
        }

        if ((obj.nr != null && obj.nr !== 0)) {
          w.uint32(64)
          w.uint32(obj.nr)
        }

        if ((obj.pn != null && obj.pn !== 0)) {
          w.uint32(72)
          w.uint32(obj.pn)
        }

        if (obj.skipped != null && obj.skipped.length > 0) {
          for (const value of obj.skipped) {
            w.uint32(82)
            SkippedMessageKey.codec().encode(value, w)
          }
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(120)
          w.uint32(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          dhsPrivate: uint8ArrayAlloc(0),
          dhsPublic: uint8ArrayAlloc(0),
          dhr: uint8ArrayAlloc(0),
          rk: uint8ArrayAlloc(0),
          cks: uint8ArrayAlloc(0),
          ckr: uint8ArrayAlloc(0),
          ns: 0,
          nr: 0,
          pn: 0,
          skipped: [],
          version: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.dhsPrivate = reader.bytes()
              break
            }
            case 2: {
              obj.dhsPublic = reader.bytes()
              break
            }
            case 3: {
              obj.dhr = reader.bytes()
              break
            }
            case 4: {
              obj.rk = reader.bytes()
              break
            }
            case 5: {
              obj.cks = reader.bytes()
              break
            }
            case 6: {
              obj.ckr = reader.bytes()
              break
            }
            case 7: {
              obj.ns = reader.uint32()
              break
            }
            case 8: {
              obj.nr = reader.uint32()
              break
            }
            case 9: {
              obj.pn = reader.uint32()
              break
            }
            case 10: {
              if (opts.limits?.skipped != null && obj.skipped.length === opts.limits.skipped) {
                throw new MaxLengthError('Decode error - repeated field "skipped" had too many elements')
              }

              if (obj.skipped.length === 2000) {
                throw new MaxLengthError('Decode error - repeated field "skipped" had too many elements')
              }

              obj.skipped.push(SkippedMessageKey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.skipped$
              }))
              break
            }
            case 15: {
              obj.version = reader.uint32()
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
          skipped: 2000
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.dhsPrivate`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.dhsPublic`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.dhr`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.rk`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.cks`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.ckr`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ns`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.nr`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.pn`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              if (opts.limits?.skipped != null && obj.skipped === opts.limits.skipped) {
                throw new MaxLengthError('Streaming decode error - repeated field "skipped" had too many elements')
              }

              if (obj.skipped === 2000) {
                throw new MaxLengthError('Streaming decode error - repeated field "skipped" had too many elements')
              }

              for (const evt of SkippedMessageKey.codec().stream(reader, reader.uint32(), `${prefix}.skipped[]`, {
                limits: opts.limits?.skipped$
              })) {
                yield {
                  ...evt,
                  index: obj.skipped
                }
              }

              obj.skipped++

              break
            }
            case 15: {
              yield {
                field: `${prefix}.version`,
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

  export interface RatchetSessionDhsPrivateFieldEvent {
    field: '$.dhsPrivate'
    value: Uint8Array
  }

  export interface RatchetSessionDhsPublicFieldEvent {
    field: '$.dhsPublic'
    value: Uint8Array
  }

  export interface RatchetSessionDhrFieldEvent {
    field: '$.dhr'
    value: Uint8Array
  }

  export interface RatchetSessionRkFieldEvent {
    field: '$.rk'
    value: Uint8Array
  }

  export interface RatchetSessionCksFieldEvent {
    field: '$.cks'
    value: Uint8Array
  }

  export interface RatchetSessionCkrFieldEvent {
    field: '$.ckr'
    value: Uint8Array
  }

  export interface RatchetSessionNsFieldEvent {
    field: '$.ns'
    value: number
  }

  export interface RatchetSessionNrFieldEvent {
    field: '$.nr'
    value: number
  }

  export interface RatchetSessionPnFieldEvent {
    field: '$.pn'
    value: number
  }

  export interface RatchetSessionSkippedDhFieldEvent {
    field: '$.skipped[].dh'
    value: Uint8Array
    index: number
  }

  export interface RatchetSessionSkippedNFieldEvent {
    field: '$.skipped[].n'
    value: number
    index: number
  }

  export interface RatchetSessionSkippedMkFieldEvent {
    field: '$.skipped[].mk'
    value: Uint8Array
    index: number
  }

  export interface RatchetSessionVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export function encode (obj: Partial<RatchetSession>): Uint8Array {
    return encodeMessage(obj, RatchetSession.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetSession>): RatchetSession {
    return decodeMessage(buf, RatchetSession.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetSession>): Generator<RatchetSessionDhsPrivateFieldEvent | RatchetSessionDhsPublicFieldEvent | RatchetSessionDhrFieldEvent | RatchetSessionRkFieldEvent | RatchetSessionCksFieldEvent | RatchetSessionCkrFieldEvent | RatchetSessionNsFieldEvent | RatchetSessionNrFieldEvent | RatchetSessionPnFieldEvent | RatchetSessionSkippedDhFieldEvent | RatchetSessionSkippedNFieldEvent | RatchetSessionSkippedMkFieldEvent | RatchetSessionVersionFieldEvent> {
    return streamMessage(buf, RatchetSession.codec(), opts)
  }
}
