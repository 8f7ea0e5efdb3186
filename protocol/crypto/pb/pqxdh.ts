import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SignedPrekey {
  id: number
  publicKey: Uint8Array
  signature: Uint8Array
}

export namespace SignedPrekey {
  let _codec: Codec<SignedPrekey>

  export const codec = (): Codec<SignedPrekey> => {
    if (_codec == null) {
      _codec = message<SignedPrekey>((obj, w, opts = {}) => {
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

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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

  export interface SignedPrekeyIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface SignedPrekeyPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array
  }

  export interface SignedPrekeySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedPrekey>): Uint8Array {
    return encodeMessage(obj, SignedPrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): SignedPrekey {
    return decodeMessage(buf, SignedPrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): Generator<SignedPrekeyIdFieldEvent | SignedPrekeyPublicKeyFieldEvent | SignedPrekeySignatureFieldEvent> {
    return streamMessage(buf, SignedPrekey.codec(), opts)
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

export interface PrekeyBundle {
  version: number
  identity: Uint8Array
  identityDh: Uint8Array
  identityDhSignature: Uint8Array
  signedPrekey?: SignedPrekey
  kemPrekey?: SignedPrekey
  oneTimePrekey?: OneTimePrekey
  signer?: Signer
}

export namespace PrekeyBundle {
  let _codec: Codec<PrekeyBundle>

  export const codec = (): Codec<PrekeyBundle> => {
    if (_codec == null) {
      _codec = message<PrekeyBundle>((obj, w, opts = {}) => {
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

        if ((obj.identityDh != null && obj.identityDh.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityDh)
        }

        if ((obj.identityDhSignature != null && obj.identityDhSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.identityDhSignature)
        }

        if (obj.signedPrekey != null) {
          w.uint32(42)
          SignedPrekey.codec().encode(obj.signedPrekey, w)
        }

        if (obj.kemPrekey != null) {
          w.uint32(50)
          SignedPrekey.codec().encode(obj.kemPrekey, w)
        }

        if (obj.oneTimePrekey != null) {
          w.uint32(58)
          OneTimePrekey.codec().encode(obj.oneTimePrekey, w)
        }

        if (obj.signer != null) {
          w.uint32(66)
          Signer.codec().encode(obj.signer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          identity: uint8ArrayAlloc(0),
          identityDh: uint8ArrayAlloc(0),
          identityDhSignature: uint8ArrayAlloc(0)
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
              obj.identityDh = reader.bytes()
              break
            }
            case 4: {
              obj.identityDhSignature = reader.bytes()
              break
            }
            case 5: {
              obj.signedPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signedPrekey
              })
              break
            }
            case 6: {
              obj.kemPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.kemPrekey
              })
              break
            }
            case 7: {
              obj.oneTimePrekey = OneTimePrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.oneTimePrekey
              })
              break
            }
            case 8: {
              obj.signer = Signer.codec().decode(reader, reader.uint32(), {
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
                field: `${prefix}.identity`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityDh`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.identityDhSignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield * SignedPrekey.codec().stream(reader, reader.uint32(), `${prefix}.signedPrekey`, {
                limits: opts.limits?.signedPrekey
              })

              break
            }
            case 6: {
              yield * SignedPrekey.codec().stream(reader, reader.uint32(), `${prefix}.kemPrekey`, {
                limits: opts.limits?.kemPrekey
              })

              break
            }
            case 7: {
              yield * OneTimePrekey.codec().stream(reader, reader.uint32(), `${prefix}.oneTimePrekey`, {
                limits: opts.limits?.oneTimePrekey
              })

              break
            }
            case 8: {
              yield * Signer.codec().stream(reader, reader.uint32(), `${prefix}.signer`, {
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

  export interface PrekeyBundleVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PrekeyBundleIdentityFieldEvent {
    field: '$.identity'
    value: Uint8Array
  }

  export interface PrekeyBundleIdentityDhFieldEvent {
    field: '$.identityDh'
    value: Uint8Array
  }

  export interface PrekeyBundleIdentityDhSignatureFieldEvent {
    field: '$.identityDhSignature'
    value: Uint8Array
  }

  export interface PrekeyBundleSignedPrekeyIdFieldEvent {
    field: '$.signedPrekey.id'
    value: number
  }

  export interface PrekeyBundleSignedPrekeyPublicKeyFieldEvent {
    field: '$.signedPrekey.publicKey'
    value: Uint8Array
  }

  export interface PrekeyBundleSignedPrekeySignatureFieldEvent {
    field: '$.signedPrekey.signature'
    value: Uint8Array
  }

  export interface PrekeyBundleKemPrekeyIdFieldEvent {
    field: '$.kemPrekey.id'
    value: number
  }

  export interface PrekeyBundleKemPrekeyPublicKeyFieldEvent {
    field: '$.kemPrekey.publicKey'
    value: Uint8Array
  }

  export interface PrekeyBundleKemPrekeySignatureFieldEvent {
    field: '$.kemPrekey.signature'
    value: Uint8Array
  }

  export interface PrekeyBundleOneTimePrekeyIdFieldEvent {
    field: '$.oneTimePrekey.id'
    value: number
  }

  export interface PrekeyBundleOneTimePrekeyPublicKeyFieldEvent {
    field: '$.oneTimePrekey.publicKey'
    value: Uint8Array
  }

  export interface PrekeyBundleSignerDeviceFieldEvent {
    field: '$.signer.device'
    value: Uint8Array
  }

  export interface PrekeyBundleSignerCertificateFieldEvent {
    field: '$.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<PrekeyBundle>): Uint8Array {
    return encodeMessage(obj, PrekeyBundle.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): PrekeyBundle {
    return decodeMessage(buf, PrekeyBundle.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): Generator<PrekeyBundleVersionFieldEvent | PrekeyBundleIdentityFieldEvent | PrekeyBundleIdentityDhFieldEvent | PrekeyBundleIdentityDhSignatureFieldEvent | PrekeyBundleSignedPrekeyIdFieldEvent | PrekeyBundleSignedPrekeyPublicKeyFieldEvent | PrekeyBundleSignedPrekeySignatureFieldEvent | PrekeyBundleKemPrekeyIdFieldEvent | PrekeyBundleKemPrekeyPublicKeyFieldEvent | PrekeyBundleKemPrekeySignatureFieldEvent | PrekeyBundleOneTimePrekeyIdFieldEvent | PrekeyBundleOneTimePrekeyPublicKeyFieldEvent | PrekeyBundleSignerDeviceFieldEvent | PrekeyBundleSignerCertificateFieldEvent> {
    return streamMessage(buf, PrekeyBundle.codec(), opts)
  }
}

export interface Signer {
  device: Uint8Array
  certificate: Uint8Array
}

export namespace Signer {
  let _codec: Codec<Signer>

  export const codec = (): Codec<Signer> => {
    if (_codec == null) {
      _codec = message<Signer>((obj, w, opts = {}) => {
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

  export interface SignerDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface SignerCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<Signer>): Uint8Array {
    return encodeMessage(obj, Signer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Signer>): Signer {
    return decodeMessage(buf, Signer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Signer>): Generator<SignerDeviceFieldEvent | SignerCertificateFieldEvent> {
    return streamMessage(buf, Signer.codec(), opts)
  }
}

export interface InitialMessage {
  version: number
  identity: Uint8Array
  identityDh: Uint8Array
  identityDhSignature: Uint8Array
  ephemeral: Uint8Array
  signedPrekeyId: number
  kemPrekeyId: number
  oneTimePrekeyId?: number
  kemCiphertext: Uint8Array
  signer?: Signer
}

export namespace InitialMessage {
  let _codec: Codec<InitialMessage>

  export const codec = (): Codec<InitialMessage> => {
    if (_codec == null) {
      _codec = message<InitialMessage>((obj, w, opts = {}) => {
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

        if ((obj.identityDh != null && obj.identityDh.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityDh)
        }

        if ((obj.identityDhSignature != null && obj.identityDhSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.identityDhSignature)
        }

        if ((obj.ephemeral != null && obj.ephemeral.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.ephemeral)
        }

        if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
          w.uint32(48)
          w.uint32(obj.signedPrekeyId)
        }

        if ((obj.kemPrekeyId != null && obj.kemPrekeyId !== 0)) {
          w.uint32(56)
          w.uint32(obj.kemPrekeyId)
        }

        if (obj.oneTimePrekeyId != null) {
          w.uint32(64)
          w.uint32(obj.oneTimePrekeyId)
        }

        if ((obj.kemCiphertext != null && obj.kemCiphertext.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.kemCiphertext)
        }

        if (obj.signer != null) {
          w.uint32(82)
          Signer.codec().encode(obj.signer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          identity: uint8ArrayAlloc(0),
          identityDh: uint8ArrayAlloc(0),
          identityDhSignature: uint8ArrayAlloc(0),
          ephemeral: uint8ArrayAlloc(0),
          signedPrekeyId: 0,
          kemPrekeyId: 0,
          kemCiphertext: uint8ArrayAlloc(0)
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
              obj.identityDh = reader.bytes()
              break
            }
            case 4: {
              obj.identityDhSignature = reader.bytes()
              break
            }
            case 5: {
              obj.ephemeral = reader.bytes()
              break
            }
            case 6: {
              obj.signedPrekeyId = reader.uint32()
              break
            }
            case 7: {
              obj.kemPrekeyId = reader.uint32()
              break
            }
            case 8: {
              obj.oneTimePrekeyId = reader.uint32()
              break
            }
            case 9: {
              obj.kemCiphertext = reader.bytes()
              break
            }
            case 10: {
              obj.signer = Signer.codec().decode(reader, reader.uint32(), {
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
                field: `${prefix}.identity`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityDh`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.identityDhSignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.ephemeral`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signedPrekeyId`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.kemPrekeyId`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.oneTimePrekeyId`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.kemCiphertext`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield * Signer.codec().stream(reader, reader.uint32(), `${prefix}.signer`, {
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

  export interface InitialMessageVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface InitialMessageIdentityFieldEvent {
    field: '$.identity'
    value: Uint8Array
  }

  export interface InitialMessageIdentityDhFieldEvent {
    field: '$.identityDh'
    value: Uint8Array
  }

  export interface InitialMessageIdentityDhSignatureFieldEvent {
    field: '$.identityDhSignature'
    value: Uint8Array
  }

  export interface InitialMessageEphemeralFieldEvent {
    field: '$.ephemeral'
    value: Uint8Array
  }

  export interface InitialMessageSignedPrekeyIdFieldEvent {
    field: '$.signedPrekeyId'
    value: number
  }

  export interface InitialMessageKemPrekeyIdFieldEvent {
    field: '$.kemPrekeyId'
    value: number
  }

  export interface InitialMessageOneTimePrekeyIdFieldEvent {
    field: '$.oneTimePrekeyId'
    value: number
  }

  export interface InitialMessageKemCiphertextFieldEvent {
    field: '$.kemCiphertext'
    value: Uint8Array
  }

  export interface InitialMessageSignerDeviceFieldEvent {
    field: '$.signer.device'
    value: Uint8Array
  }

  export interface InitialMessageSignerCertificateFieldEvent {
    field: '$.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<InitialMessage>): Uint8Array {
    return encodeMessage(obj, InitialMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): InitialMessage {
    return decodeMessage(buf, InitialMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): Generator<InitialMessageVersionFieldEvent | InitialMessageIdentityFieldEvent | InitialMessageIdentityDhFieldEvent | InitialMessageIdentityDhSignatureFieldEvent | InitialMessageEphemeralFieldEvent | InitialMessageSignedPrekeyIdFieldEvent | InitialMessageKemPrekeyIdFieldEvent | InitialMessageOneTimePrekeyIdFieldEvent | InitialMessageKemCiphertextFieldEvent | InitialMessageSignerDeviceFieldEvent | InitialMessageSignerCertificateFieldEvent> {
    return streamMessage(buf, InitialMessage.codec(), opts)
  }
}
