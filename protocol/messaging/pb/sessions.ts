import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SessionRecord {
  states: SessionState[]
}

export namespace SessionRecord {
  let _codec: Codec<SessionRecord>

  export const codec = (): Codec<SessionRecord> => {
    if (_codec == null) {
      _codec = message<SessionRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.states != null && obj.states.length > 0) {
          for (const value of obj.states) {
            w.uint32(10)
            SessionState.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          states: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.states != null && obj.states.length === opts.limits.states) {
                throw new MaxLengthError('Decode error - repeated field "states" had too many elements')
              }

              obj.states.push(SessionState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.states$
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
          states: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.states != null && obj.states === opts.limits.states) {
                throw new MaxLengthError('Streaming decode error - repeated field "states" had too many elements')
              }

              for (const evt of SessionState.codec().stream(reader, reader.uint32(), `${prefix}.states[]`, {
                limits: opts.limits?.states$
              })) {
                yield {
                  ...evt,
                  index: obj.states
                }
              }

              obj.states++

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

  export interface SessionRecordStatesRatchetFieldEvent {
    field: '$.states[].ratchet'
    value: Uint8Array
    index: number
  }

  export interface SessionRecordStatesAdFieldEvent {
    field: '$.states[].ad'
    value: Uint8Array
    index: number
  }

  export interface SessionRecordStatesRemoteIdentityFieldEvent {
    field: '$.states[].remoteIdentity'
    value: Uint8Array
    index: number
  }

  export interface SessionRecordStatesInitialFieldEvent {
    field: '$.states[].initial'
    value: Uint8Array
    index: number
  }

  export interface SessionRecordStatesInitialHashFieldEvent {
    field: '$.states[].initialHash'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<SessionRecord>): Uint8Array {
    return encodeMessage(obj, SessionRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionRecord>): SessionRecord {
    return decodeMessage(buf, SessionRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionRecord>): Generator<SessionRecordStatesRatchetFieldEvent | SessionRecordStatesAdFieldEvent | SessionRecordStatesRemoteIdentityFieldEvent | SessionRecordStatesInitialFieldEvent | SessionRecordStatesInitialHashFieldEvent> {
    return streamMessage(buf, SessionRecord.codec(), opts)
  }
}

export interface SessionState {
  ratchet: Uint8Array
  ad: Uint8Array
  remoteIdentity: Uint8Array
  initial: Uint8Array
  initialHash: Uint8Array
}

export namespace SessionState {
  let _codec: Codec<SessionState>

  export const codec = (): Codec<SessionState> => {
    if (_codec == null) {
      _codec = message<SessionState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ratchet != null && obj.ratchet.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ratchet)
        }

        if ((obj.ad != null && obj.ad.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ad)
        }

        if ((obj.remoteIdentity != null && obj.remoteIdentity.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.remoteIdentity)
        }

        if ((obj.initial != null && obj.initial.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.initial)
        }

        if ((obj.initialHash != null && obj.initialHash.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.initialHash)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ratchet: uint8ArrayAlloc(0),
          ad: uint8ArrayAlloc(0),
          remoteIdentity: uint8ArrayAlloc(0),
          initial: uint8ArrayAlloc(0),
          initialHash: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ratchet = reader.bytes()
              break
            }
            case 2: {
              obj.ad = reader.bytes()
              break
            }
            case 3: {
              obj.remoteIdentity = reader.bytes()
              break
            }
            case 4: {
              obj.initial = reader.bytes()
              break
            }
            case 5: {
              obj.initialHash = reader.bytes()
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
                field: `${prefix}.ratchet`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ad`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.remoteIdentity`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.initial`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.initialHash`,
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

  export interface SessionStateRatchetFieldEvent {
    field: '$.ratchet'
    value: Uint8Array
  }

  export interface SessionStateAdFieldEvent {
    field: '$.ad'
    value: Uint8Array
  }

  export interface SessionStateRemoteIdentityFieldEvent {
    field: '$.remoteIdentity'
    value: Uint8Array
  }

  export interface SessionStateInitialFieldEvent {
    field: '$.initial'
    value: Uint8Array
  }

  export interface SessionStateInitialHashFieldEvent {
    field: '$.initialHash'
    value: Uint8Array
  }

  export function encode (obj: Partial<SessionState>): Uint8Array {
    return encodeMessage(obj, SessionState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionState>): SessionState {
    return decodeMessage(buf, SessionState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionState>): Generator<SessionStateRatchetFieldEvent | SessionStateAdFieldEvent | SessionStateRemoteIdentityFieldEvent | SessionStateInitialFieldEvent | SessionStateInitialHashFieldEvent> {
    return streamMessage(buf, SessionState.codec(), opts)
  }
}
