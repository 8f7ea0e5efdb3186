/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Op {
  group: Uint8Array
  author: Uint8Array
  device: Uint8Array
  certificate: Uint8Array
  parents: Uint8Array[]
  seq: number
  at: number
  create?: Create
  add?: Member
  remove?: Member
  leave?: Leave
  promote?: Member
  demote?: Member
  rename?: Rename
  setTimer?: SetTimer
  key?: Key
  addDevice?: DeviceJoin
  removeDevice?: DeviceLeave
}

export namespace Op {
  let _codec: Codec<Op>

  export const codec = (): Codec<Op> => {
    if (_codec == null) {
      _codec = message<Op>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.removeDevice != null) {
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.addDevice != null) {
          obj.removeDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.key != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.setTimer != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.rename != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.demote != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.promote != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.leave != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.remove = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.remove != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.add = undefined
          obj.create = undefined
        }

        if (obj.add != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.create = undefined
        }

        if (obj.create != null) {
          obj.removeDevice = undefined
          obj.addDevice = undefined
          obj.key = undefined
          obj.setTimer = undefined
          obj.rename = undefined
          obj.demote = undefined
          obj.promote = undefined
          obj.leave = undefined
          obj.remove = undefined
          obj.add = undefined
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.device)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.certificate)
        }

        if (obj.parents != null && obj.parents.length > 0) {
          for (const value of obj.parents) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.seq)
        }

        if ((obj.at != null && obj.at !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.at)
        }

        if (obj.create != null) {
          w.uint32(82)
          Create.codec().encode(obj.create, w)
        }

        if (obj.add != null) {
          w.uint32(90)
          Member.codec().encode(obj.add, w)
        }

        if (obj.remove != null) {
          w.uint32(98)
          Member.codec().encode(obj.remove, w)
        }

        if (obj.leave != null) {
          w.uint32(106)
          Leave.codec().encode(obj.leave, w)
        }

        if (obj.promote != null) {
          w.uint32(114)
          Member.codec().encode(obj.promote, w)
        }

        if (obj.demote != null) {
          w.uint32(122)
          Member.codec().encode(obj.demote, w)
        }

        if (obj.rename != null) {
          w.uint32(130)
          Rename.codec().encode(obj.rename, w)
        }

        if (obj.setTimer != null) {
          w.uint32(138)
          SetTimer.codec().encode(obj.setTimer, w)
        }

        if (obj.key != null) {
          w.uint32(146)
          Key.codec().encode(obj.key, w)
        }

        if (obj.addDevice != null) {
          w.uint32(154)
          DeviceJoin.codec().encode(obj.addDevice, w)
        }

        if (obj.removeDevice != null) {
          w.uint32(162)
          DeviceLeave.codec().encode(obj.removeDevice, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          author: uint8ArrayAlloc(0),
          device: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0),
          parents: [],
          seq: 0,
          at: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.bytes()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.device = reader.bytes()
              break
            }
            case 4: {
              obj.certificate = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.parents != null && obj.parents.length === opts.limits.parents) {
                throw new MaxLengthError('Decode error - repeated field "parents" had too many elements')
              }

              obj.parents.push(reader.bytes())
              break
            }
            case 6: {
              obj.seq = reader.uint64Number()
              break
            }
            case 7: {
              obj.at = reader.uint64Number()
              break
            }
            case 10: {
              obj.create = Create.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.create
              })
              break
            }
            case 11: {
              obj.add = Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.add
              })
              break
            }
            case 12: {
              obj.remove = Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.remove
              })
              break
            }
            case 13: {
              obj.leave = Leave.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.leave
              })
              break
            }
            case 14: {
              obj.promote = Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.promote
              })
              break
            }
            case 15: {
              obj.demote = Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.demote
              })
              break
            }
            case 16: {
              obj.rename = Rename.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rename
              })
              break
            }
            case 17: {
              obj.setTimer = SetTimer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.setTimer
              })
              break
            }
            case 18: {
              obj.key = Key.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.key
              })
              break
            }
            case 19: {
              obj.addDevice = DeviceJoin.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.addDevice
              })
              break
            }
            case 20: {
              obj.removeDevice = DeviceLeave.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.removeDevice
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.removeDevice != null) {
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.addDevice != null) {
          delete obj.removeDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.key != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.setTimer != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.rename != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.demote != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.promote != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.leave
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.leave != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.remove
          delete obj.add
          delete obj.create
        }

        if (obj.remove != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.add
          delete obj.create
        }

        if (obj.add != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.create
        }

        if (obj.create != null) {
          delete obj.removeDevice
          delete obj.addDevice
          delete obj.key
          delete obj.setTimer
          delete obj.rename
          delete obj.demote
          delete obj.promote
          delete obj.leave
          delete obj.remove
          delete obj.add
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          parents: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.parents != null && obj.parents === opts.limits.parents) {
                throw new MaxLengthError('Streaming decode error - repeated field "parents" had too many elements')
              }

              yield {
                field: `${prefix}.parents[]`,
                index: obj.parents,
                value: reader.bytes()
              }

              obj.parents++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.at`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield * Create.codec().stream(reader, reader.uint32(), `${prefix}.create`, {
                limits: opts.limits?.create
              })

              break
            }
            case 11: {
              yield * Member.codec().stream(reader, reader.uint32(), `${prefix}.add`, {
                limits: opts.limits?.add
              })

              break
            }
            case 12: {
              yield * Member.codec().stream(reader, reader.uint32(), `${prefix}.remove`, {
                limits: opts.limits?.remove
              })

              break
            }
            case 13: {
              yield * Leave.codec().stream(reader, reader.uint32(), `${prefix}.leave`, {
                limits: opts.limits?.leave
              })

              break
            }
            case 14: {
              yield * Member.codec().stream(reader, reader.uint32(), `${prefix}.promote`, {
                limits: opts.limits?.promote
              })

              break
            }
            case 15: {
              yield * Member.codec().stream(reader, reader.uint32(), `${prefix}.demote`, {
                limits: opts.limits?.demote
              })

              break
            }
            case 16: {
              yield * Rename.codec().stream(reader, reader.uint32(), `${prefix}.rename`, {
                limits: opts.limits?.rename
              })

              break
            }
            case 17: {
              yield * SetTimer.codec().stream(reader, reader.uint32(), `${prefix}.setTimer`, {
                limits: opts.limits?.setTimer
              })

              break
            }
            case 18: {
              yield * Key.codec().stream(reader, reader.uint32(), `${prefix}.key`, {
                limits: opts.limits?.key
              })

              break
            }
            case 19: {
              yield * DeviceJoin.codec().stream(reader, reader.uint32(), `${prefix}.addDevice`, {
                limits: opts.limits?.addDevice
              })

              break
            }
            case 20: {
              yield * DeviceLeave.codec().stream(reader, reader.uint32(), `${prefix}.removeDevice`, {
                limits: opts.limits?.removeDevice
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

  export interface OpGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface OpAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array
  }

  export interface OpDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface OpCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface OpParentsFieldEvent {
    field: '$.parents[]'
    index: number
    value: Uint8Array
  }

  export interface OpSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface OpAtFieldEvent {
    field: '$.at'
    value: number
  }

  export interface OpCreateNameFieldEvent {
    field: '$.create.name'
    value: string
  }

  export interface OpCreateMembersFieldEvent {
    field: '$.create.members[]'
    index: number
    value: Uint8Array
  }

  export interface OpCreateExpiresMsFieldEvent {
    field: '$.create.expiresMs'
    value: number
  }

  export interface OpCreateCardsDhFieldEvent {
    field: '$.create.cards[].dh'
    value: Uint8Array
    index: number
  }

  export interface OpCreateCardsSignatureFieldEvent {
    field: '$.create.cards[].signature'
    value: Uint8Array
    index: number
  }

  export interface OpCreateCardsSignerDeviceFieldEvent {
    field: '$.create.cards[].signer.device'
    value: Uint8Array
    index: number
  }

  export interface OpCreateCardsSignerCertificateFieldEvent {
    field: '$.create.cards[].signer.certificate'
    value: Uint8Array
    index: number
  }

  export interface OpAddMemberFieldEvent {
    field: '$.add.member'
    value: Uint8Array
  }

  export interface OpAddCardDhFieldEvent {
    field: '$.add.card.dh'
    value: Uint8Array
  }

  export interface OpAddCardSignatureFieldEvent {
    field: '$.add.card.signature'
    value: Uint8Array
  }

  export interface OpAddCardSignerDeviceFieldEvent {
    field: '$.add.card.signer.device'
    value: Uint8Array
  }

  export interface OpAddCardSignerCertificateFieldEvent {
    field: '$.add.card.signer.certificate'
    value: Uint8Array
  }

  export interface OpRemoveMemberFieldEvent {
    field: '$.remove.member'
    value: Uint8Array
  }

  export interface OpRemoveCardDhFieldEvent {
    field: '$.remove.card.dh'
    value: Uint8Array
  }

  export interface OpRemoveCardSignatureFieldEvent {
    field: '$.remove.card.signature'
    value: Uint8Array
  }

  export interface OpRemoveCardSignerDeviceFieldEvent {
    field: '$.remove.card.signer.device'
    value: Uint8Array
  }

  export interface OpRemoveCardSignerCertificateFieldEvent {
    field: '$.remove.card.signer.certificate'
    value: Uint8Array
  }

  export interface OpPromoteMemberFieldEvent {
    field: '$.promote.member'
    value: Uint8Array
  }

  export interface OpPromoteCardDhFieldEvent {
    field: '$.promote.card.dh'
    value: Uint8Array
  }

  export interface OpPromoteCardSignatureFieldEvent {
    field: '$.promote.card.signature'
    value: Uint8Array
  }

  export interface OpPromoteCardSignerDeviceFieldEvent {
    field: '$.promote.card.signer.device'
    value: Uint8Array
  }

  export interface OpPromoteCardSignerCertificateFieldEvent {
    field: '$.promote.card.signer.certificate'
    value: Uint8Array
  }

  export interface OpDemoteMemberFieldEvent {
    field: '$.demote.member'
    value: Uint8Array
  }

  export interface OpDemoteCardDhFieldEvent {
    field: '$.demote.card.dh'
    value: Uint8Array
  }

  export interface OpDemoteCardSignatureFieldEvent {
    field: '$.demote.card.signature'
    value: Uint8Array
  }

  export interface OpDemoteCardSignerDeviceFieldEvent {
    field: '$.demote.card.signer.device'
    value: Uint8Array
  }

  export interface OpDemoteCardSignerCertificateFieldEvent {
    field: '$.demote.card.signer.certificate'
    value: Uint8Array
  }

  export interface OpRenameNameFieldEvent {
    field: '$.rename.name'
    value: string
  }

  export interface OpSetTimerExpiresMsFieldEvent {
    field: '$.setTimer.expiresMs'
    value: number
  }

  export interface OpKeyPayloadFieldEvent {
    field: '$.key.payload'
    value: Uint8Array
  }

  export interface OpAddDevicePeerFieldEvent {
    field: '$.addDevice.peer'
    value: Uint8Array
  }

  export interface OpAddDeviceCertificateFieldEvent {
    field: '$.addDevice.certificate'
    value: Uint8Array
  }

  export interface OpAddDeviceCardDhFieldEvent {
    field: '$.addDevice.card.dh'
    value: Uint8Array
  }

  export interface OpAddDeviceCardSignatureFieldEvent {
    field: '$.addDevice.card.signature'
    value: Uint8Array
  }

  export interface OpAddDeviceCardSignerDeviceFieldEvent {
    field: '$.addDevice.card.signer.device'
    value: Uint8Array
  }

  export interface OpAddDeviceCardSignerCertificateFieldEvent {
    field: '$.addDevice.card.signer.certificate'
    value: Uint8Array
  }

  export interface OpRemoveDevicePeerFieldEvent {
    field: '$.removeDevice.peer'
    value: Uint8Array
  }

  export function encode (obj: Partial<Op>): Uint8Array {
    return encodeMessage(obj, Op.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Op>): Op {
    return decodeMessage(buf, Op.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Op>): Generator<OpGroupFieldEvent | OpAuthorFieldEvent | OpDeviceFieldEvent | OpCertificateFieldEvent | OpParentsFieldEvent | OpSeqFieldEvent | OpAtFieldEvent | OpCreateNameFieldEvent | OpCreateMembersFieldEvent | OpCreateExpiresMsFieldEvent | OpCreateCardsDhFieldEvent | OpCreateCardsSignatureFieldEvent | OpCreateCardsSignerDeviceFieldEvent | OpCreateCardsSignerCertificateFieldEvent | OpAddMemberFieldEvent | OpAddCardDhFieldEvent | OpAddCardSignatureFieldEvent | OpAddCardSignerDeviceFieldEvent | OpAddCardSignerCertificateFieldEvent | OpRemoveMemberFieldEvent | OpRemoveCardDhFieldEvent | OpRemoveCardSignatureFieldEvent | OpRemoveCardSignerDeviceFieldEvent | OpRemoveCardSignerCertificateFieldEvent | OpPromoteMemberFieldEvent | OpPromoteCardDhFieldEvent | OpPromoteCardSignatureFieldEvent | OpPromoteCardSignerDeviceFieldEvent | OpPromoteCardSignerCertificateFieldEvent | OpDemoteMemberFieldEvent | OpDemoteCardDhFieldEvent | OpDemoteCardSignatureFieldEvent | OpDemoteCardSignerDeviceFieldEvent | OpDemoteCardSignerCertificateFieldEvent | OpRenameNameFieldEvent | OpSetTimerExpiresMsFieldEvent | OpKeyPayloadFieldEvent | OpAddDevicePeerFieldEvent | OpAddDeviceCertificateFieldEvent | OpAddDeviceCardDhFieldEvent | OpAddDeviceCardSignatureFieldEvent | OpAddDeviceCardSignerDeviceFieldEvent | OpAddDeviceCardSignerCertificateFieldEvent | OpRemoveDevicePeerFieldEvent> {
    return streamMessage(buf, Op.codec(), opts)
  }
}

export interface Create {
  name: string
  members: Uint8Array[]
  expiresMs: number
  cards: Card[]
}

export namespace Create {
  let _codec: Codec<Create>

  export const codec = (): Codec<Create> => {
    if (_codec == null) {
      _codec = message<Create>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.expiresMs != null && obj.expiresMs !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.expiresMs)
        }

        if (obj.cards != null && obj.cards.length > 0) {
          for (const value of obj.cards) {
            w.uint32(34)
            Card.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          members: [],
          expiresMs: 0,
          cards: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(reader.bytes())
              break
            }
            case 3: {
              obj.expiresMs = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.cards != null && obj.cards.length === opts.limits.cards) {
                throw new MaxLengthError('Decode error - repeated field "cards" had too many elements')
              }

              obj.cards.push(Card.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cards$
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
          members: 0,
          cards: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              yield {
                field: `${prefix}.members[]`,
                index: obj.members,
                value: reader.bytes()
              }

              obj.members++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.cards != null && obj.cards === opts.limits.cards) {
                throw new MaxLengthError('Streaming decode error - repeated field "cards" had too many elements')
              }

              for (const evt of Card.codec().stream(reader, reader.uint32(), `${prefix}.cards[]`, {
                limits: opts.limits?.cards$
              })) {
                yield {
                  ...evt,
                  index: obj.cards
                }
              }

              obj.cards++

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

  export interface CreateNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface CreateMembersFieldEvent {
    field: '$.members[]'
    index: number
    value: Uint8Array
  }

  export interface CreateExpiresMsFieldEvent {
    field: '$.expiresMs'
    value: number
  }

  export interface CreateCardsDhFieldEvent {
    field: '$.cards[].dh'
    value: Uint8Array
    index: number
  }

  export interface CreateCardsSignatureFieldEvent {
    field: '$.cards[].signature'
    value: Uint8Array
    index: number
  }

  export interface CreateCardsSignerDeviceFieldEvent {
    field: '$.cards[].signer.device'
    value: Uint8Array
    index: number
  }

  export interface CreateCardsSignerCertificateFieldEvent {
    field: '$.cards[].signer.certificate'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<Create>): Uint8Array {
    return encodeMessage(obj, Create.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Create>): Create {
    return decodeMessage(buf, Create.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Create>): Generator<CreateNameFieldEvent | CreateMembersFieldEvent | CreateExpiresMsFieldEvent | CreateCardsDhFieldEvent | CreateCardsSignatureFieldEvent | CreateCardsSignerDeviceFieldEvent | CreateCardsSignerCertificateFieldEvent> {
    return streamMessage(buf, Create.codec(), opts)
  }
}

export interface Card {
  dh: Uint8Array
  signature: Uint8Array
  signer?: CardSigner
}

export namespace Card {
  let _codec: Codec<Card>

  export const codec = (): Codec<Card> => {
    if (_codec == null) {
      _codec = message<Card>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.dh != null && obj.dh.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.dh)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (obj.signer != null) {
          w.uint32(26)
          CardSigner.codec().encode(obj.signer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          dh: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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
              obj.signature = reader.bytes()
              break
            }
            case 3: {
              obj.signer = CardSigner.codec().decode(reader, reader.uint32(), {
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
                field: `${prefix}.dh`,
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
            case 3: {
              yield * CardSigner.codec().stream(reader, reader.uint32(), `${prefix}.signer`, {
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

  export interface CardDhFieldEvent {
    field: '$.dh'
    value: Uint8Array
  }

  export interface CardSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface CardSignerDeviceFieldEvent {
    field: '$.signer.device'
    value: Uint8Array
  }

  export interface CardSignerCertificateFieldEvent {
    field: '$.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<Card>): Uint8Array {
    return encodeMessage(obj, Card.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Card>): Card {
    return decodeMessage(buf, Card.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Card>): Generator<CardDhFieldEvent | CardSignatureFieldEvent | CardSignerDeviceFieldEvent | CardSignerCertificateFieldEvent> {
    return streamMessage(buf, Card.codec(), opts)
  }
}

export interface CardSigner {
  device: Uint8Array
  certificate: Uint8Array
}

export namespace CardSigner {
  let _codec: Codec<CardSigner>

  export const codec = (): Codec<CardSigner> => {
    if (_codec == null) {
      _codec = message<CardSigner>((obj, w, opts = {}) => {
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

  export interface CardSignerDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface CardSignerCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<CardSigner>): Uint8Array {
    return encodeMessage(obj, CardSigner.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CardSigner>): CardSigner {
    return decodeMessage(buf, CardSigner.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CardSigner>): Generator<CardSignerDeviceFieldEvent | CardSignerCertificateFieldEvent> {
    return streamMessage(buf, CardSigner.codec(), opts)
  }
}

export interface Member {
  member: Uint8Array
  card?: Card
}

export namespace Member {
  let _codec: Codec<Member>

  export const codec = (): Codec<Member> => {
    if (_codec == null) {
      _codec = message<Member>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.member != null && obj.member.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.member)
        }

        if (obj.card != null) {
          w.uint32(18)
          Card.codec().encode(obj.card, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          member: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.member = reader.bytes()
              break
            }
            case 2: {
              obj.card = Card.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.card
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
                field: `${prefix}.member`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * Card.codec().stream(reader, reader.uint32(), `${prefix}.card`, {
                limits: opts.limits?.card
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

  export interface MemberMemberFieldEvent {
    field: '$.member'
    value: Uint8Array
  }

  export interface MemberCardDhFieldEvent {
    field: '$.card.dh'
    value: Uint8Array
  }

  export interface MemberCardSignatureFieldEvent {
    field: '$.card.signature'
    value: Uint8Array
  }

  export interface MemberCardSignerDeviceFieldEvent {
    field: '$.card.signer.device'
    value: Uint8Array
  }

  export interface MemberCardSignerCertificateFieldEvent {
    field: '$.card.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<Member>): Uint8Array {
    return encodeMessage(obj, Member.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Member>): Member {
    return decodeMessage(buf, Member.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Member>): Generator<MemberMemberFieldEvent | MemberCardDhFieldEvent | MemberCardSignatureFieldEvent | MemberCardSignerDeviceFieldEvent | MemberCardSignerCertificateFieldEvent> {
    return streamMessage(buf, Member.codec(), opts)
  }
}

export interface Leave {}

export namespace Leave {
  let _codec: Codec<Leave>

  export const codec = (): Codec<Leave> => {
    if (_codec == null) {
      _codec = message<Leave>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<Leave>): Uint8Array {
    return encodeMessage(obj, Leave.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Leave>): Leave {
    return decodeMessage(buf, Leave.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Leave>): Generator<{}> {
    return streamMessage(buf, Leave.codec(), opts)
  }
}

export interface DeviceJoin {
  peer: Uint8Array
  certificate: Uint8Array
  card?: Card
}

export namespace DeviceJoin {
  let _codec: Codec<DeviceJoin>

  export const codec = (): Codec<DeviceJoin> => {
    if (_codec == null) {
      _codec = message<DeviceJoin>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if (obj.card != null) {
          w.uint32(26)
          Card.codec().encode(obj.card, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            case 2: {
              obj.certificate = reader.bytes()
              break
            }
            case 3: {
              obj.card = Card.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.card
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
                field: `${prefix}.peer`,
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
            case 3: {
              yield * Card.codec().stream(reader, reader.uint32(), `${prefix}.card`, {
                limits: opts.limits?.card
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

  export interface DeviceJoinPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array
  }

  export interface DeviceJoinCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface DeviceJoinCardDhFieldEvent {
    field: '$.card.dh'
    value: Uint8Array
  }

  export interface DeviceJoinCardSignatureFieldEvent {
    field: '$.card.signature'
    value: Uint8Array
  }

  export interface DeviceJoinCardSignerDeviceFieldEvent {
    field: '$.card.signer.device'
    value: Uint8Array
  }

  export interface DeviceJoinCardSignerCertificateFieldEvent {
    field: '$.card.signer.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<DeviceJoin>): Uint8Array {
    return encodeMessage(obj, DeviceJoin.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceJoin>): DeviceJoin {
    return decodeMessage(buf, DeviceJoin.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceJoin>): Generator<DeviceJoinPeerFieldEvent | DeviceJoinCertificateFieldEvent | DeviceJoinCardDhFieldEvent | DeviceJoinCardSignatureFieldEvent | DeviceJoinCardSignerDeviceFieldEvent | DeviceJoinCardSignerCertificateFieldEvent> {
    return streamMessage(buf, DeviceJoin.codec(), opts)
  }
}

export interface DeviceLeave {
  peer: Uint8Array
}

export namespace DeviceLeave {
  let _codec: Codec<DeviceLeave>

  export const codec = (): Codec<DeviceLeave> => {
    if (_codec == null) {
      _codec = message<DeviceLeave>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
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
                field: `${prefix}.peer`,
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

  export interface DeviceLeavePeerFieldEvent {
    field: '$.peer'
    value: Uint8Array
  }

  export function encode (obj: Partial<DeviceLeave>): Uint8Array {
    return encodeMessage(obj, DeviceLeave.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceLeave>): DeviceLeave {
    return decodeMessage(buf, DeviceLeave.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceLeave>): Generator<DeviceLeavePeerFieldEvent> {
    return streamMessage(buf, DeviceLeave.codec(), opts)
  }
}

export interface Rename {
  name: string
}

export namespace Rename {
  let _codec: Codec<Rename>

  export const codec = (): Codec<Rename> => {
    if (_codec == null) {
      _codec = message<Rename>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
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
                field: `${prefix}.name`,
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

  export interface RenameNameFieldEvent {
    field: '$.name'
    value: string
  }

  export function encode (obj: Partial<Rename>): Uint8Array {
    return encodeMessage(obj, Rename.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rename>): Rename {
    return decodeMessage(buf, Rename.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rename>): Generator<RenameNameFieldEvent> {
    return streamMessage(buf, Rename.codec(), opts)
  }
}

export interface SetTimer {
  expiresMs: number
}

export namespace SetTimer {
  let _codec: Codec<SetTimer>

  export const codec = (): Codec<SetTimer> => {
    if (_codec == null) {
      _codec = message<SetTimer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.expiresMs != null && obj.expiresMs !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.expiresMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          expiresMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.expiresMs = reader.uint64Number()
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
                field: `${prefix}.expiresMs`,
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

  export interface SetTimerExpiresMsFieldEvent {
    field: '$.expiresMs'
    value: number
  }

  export function encode (obj: Partial<SetTimer>): Uint8Array {
    return encodeMessage(obj, SetTimer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SetTimer>): SetTimer {
    return decodeMessage(buf, SetTimer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SetTimer>): Generator<SetTimerExpiresMsFieldEvent> {
    return streamMessage(buf, SetTimer.codec(), opts)
  }
}

export interface Key {
  payload: Uint8Array
}

export namespace Key {
  let _codec: Codec<Key>

  export const codec = (): Codec<Key> => {
    if (_codec == null) {
      _codec = message<Key>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          payload: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.payload = reader.bytes()
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
                field: `${prefix}.payload`,
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

  export interface KeyPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export function encode (obj: Partial<Key>): Uint8Array {
    return encodeMessage(obj, Key.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Key>): Key {
    return decodeMessage(buf, Key.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Key>): Generator<KeyPayloadFieldEvent> {
    return streamMessage(buf, Key.codec(), opts)
  }
}

export interface SignedOp {
  op: Uint8Array
  signature: Uint8Array
}

export namespace SignedOp {
  let _codec: Codec<SignedOp>

  export const codec = (): Codec<SignedOp> => {
    if (_codec == null) {
      _codec = message<SignedOp>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.op)
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
          op: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.op = reader.bytes()
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
                field: `${prefix}.op`,
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

  export interface SignedOpOpFieldEvent {
    field: '$.op'
    value: Uint8Array
  }

  export interface SignedOpSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedOp>): Uint8Array {
    return encodeMessage(obj, SignedOp.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedOp>): SignedOp {
    return decodeMessage(buf, SignedOp.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedOp>): Generator<SignedOpOpFieldEvent | SignedOpSignatureFieldEvent> {
    return streamMessage(buf, SignedOp.codec(), opts)
  }
}

export interface GroupMessage {
  group: Uint8Array
  sender: Uint8Array
  device: Uint8Array
  certificate: Uint8Array
  epoch: number
  n: number
  sentAt: number
  expiresAt: number
  ciphertext: Uint8Array
  generation: number
  deviceKey: boolean
}

export namespace GroupMessage {
  let _codec: Codec<GroupMessage>

  export const codec = (): Codec<GroupMessage> => {
    if (_codec == null) {
      _codec = message<GroupMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sender)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.device)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.certificate)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(40)
          w.uint32(obj.epoch)
        }

        if ((obj.n != null && obj.n !== 0)) {
          w.uint32(48)
          w.uint32(obj.n)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.ciphertext)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(80)
          w.uint32(obj.generation)
        }

        if ((obj.deviceKey != null && obj.deviceKey !== false)) {
          w.uint32(88)
          w.bool(obj.deviceKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          sender: uint8ArrayAlloc(0),
          device: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0),
          epoch: 0,
          n: 0,
          sentAt: 0,
          expiresAt: 0,
          ciphertext: uint8ArrayAlloc(0),
          generation: 0,
          deviceKey: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.bytes()
              break
            }
            case 2: {
              obj.sender = reader.bytes()
              break
            }
            case 3: {
              obj.device = reader.bytes()
              break
            }
            case 4: {
              obj.certificate = reader.bytes()
              break
            }
            case 5: {
              obj.epoch = reader.uint32()
              break
            }
            case 6: {
              obj.n = reader.uint32()
              break
            }
            case 7: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 8: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 9: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 10: {
              obj.generation = reader.uint32()
              break
            }
            case 11: {
              obj.deviceKey = reader.bool()
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
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.n`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.deviceKey`,
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

  export interface GroupMessageGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface GroupMessageSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface GroupMessageDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface GroupMessageCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface GroupMessageEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupMessageNFieldEvent {
    field: '$.n'
    value: number
  }

  export interface GroupMessageSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface GroupMessageExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface GroupMessageCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export interface GroupMessageGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export interface GroupMessageDeviceKeyFieldEvent {
    field: '$.deviceKey'
    value: boolean
  }

  export function encode (obj: Partial<GroupMessage>): Uint8Array {
    return encodeMessage(obj, GroupMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): GroupMessage {
    return decodeMessage(buf, GroupMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): Generator<GroupMessageGroupFieldEvent | GroupMessageSenderFieldEvent | GroupMessageDeviceFieldEvent | GroupMessageCertificateFieldEvent | GroupMessageEpochFieldEvent | GroupMessageNFieldEvent | GroupMessageSentAtFieldEvent | GroupMessageExpiresAtFieldEvent | GroupMessageCiphertextFieldEvent | GroupMessageGenerationFieldEvent | GroupMessageDeviceKeyFieldEvent> {
    return streamMessage(buf, GroupMessage.codec(), opts)
  }
}

export interface SignedGroupMessage {
  message: Uint8Array
  signature: Uint8Array
}

export namespace SignedGroupMessage {
  let _codec: Codec<SignedGroupMessage>

  export const codec = (): Codec<SignedGroupMessage> => {
    if (_codec == null) {
      _codec = message<SignedGroupMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.message)
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
          message: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.message = reader.bytes()
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
                field: `${prefix}.message`,
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

  export interface SignedGroupMessageMessageFieldEvent {
    field: '$.message'
    value: Uint8Array
  }

  export interface SignedGroupMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedGroupMessage>): Uint8Array {
    return encodeMessage(obj, SignedGroupMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedGroupMessage>): SignedGroupMessage {
    return decodeMessage(buf, SignedGroupMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedGroupMessage>): Generator<SignedGroupMessageMessageFieldEvent | SignedGroupMessageSignatureFieldEvent> {
    return streamMessage(buf, SignedGroupMessage.codec(), opts)
  }
}

export interface RoomSnapshot {
  version: number
  ops: Uint8Array[]
  keys: Uint8Array
  heldOps: Uint8Array[]
  heldMessages: Uint8Array[]
  early: string[]
  kept: Uint8Array[]
  unsent: Uint8Array[]
  receipts: Uint8Array[]
}

export namespace RoomSnapshot {
  let _codec: Codec<RoomSnapshot>

  export const codec = (): Codec<RoomSnapshot> => {
    if (_codec == null) {
      _codec = message<RoomSnapshot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.ops != null && obj.ops.length > 0) {
          for (const value of obj.ops) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.keys != null && obj.keys.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.keys)
        }

        if (obj.heldOps != null && obj.heldOps.length > 0) {
          for (const value of obj.heldOps) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if (obj.heldMessages != null && obj.heldMessages.length > 0) {
          for (const value of obj.heldMessages) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.early != null && obj.early.length > 0) {
          for (const value of obj.early) {
            w.uint32(50)
            w.string(value)
          }
        }

        if (obj.kept != null && obj.kept.length > 0) {
          for (const value of obj.kept) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (obj.unsent != null && obj.unsent.length > 0) {
          for (const value of obj.unsent) {
            w.uint32(66)
            w.bytes(value)
          }
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(74)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          ops: [],
          keys: uint8ArrayAlloc(0),
          heldOps: [],
          heldMessages: [],
          early: [],
          kept: [],
          unsent: [],
          receipts: []
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
              if (opts.limits?.ops != null && obj.ops.length === opts.limits.ops) {
                throw new MaxLengthError('Decode error - repeated field "ops" had too many elements')
              }

              obj.ops.push(reader.bytes())
              break
            }
            case 3: {
              obj.keys = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.heldOps != null && obj.heldOps.length === opts.limits.heldOps) {
                throw new MaxLengthError('Decode error - repeated field "heldOps" had too many elements')
              }

              obj.heldOps.push(reader.bytes())
              break
            }
            case 5: {
              if (opts.limits?.heldMessages != null && obj.heldMessages.length === opts.limits.heldMessages) {
                throw new MaxLengthError('Decode error - repeated field "heldMessages" had too many elements')
              }

              obj.heldMessages.push(reader.bytes())
              break
            }
            case 6: {
              if (opts.limits?.early != null && obj.early.length === opts.limits.early) {
                throw new MaxLengthError('Decode error - repeated field "early" had too many elements')
              }

              obj.early.push(reader.string())
              break
            }
            case 7: {
              if (opts.limits?.kept != null && obj.kept.length === opts.limits.kept) {
                throw new MaxLengthError('Decode error - repeated field "kept" had too many elements')
              }

              obj.kept.push(reader.bytes())
              break
            }
            case 8: {
              if (opts.limits?.unsent != null && obj.unsent.length === opts.limits.unsent) {
                throw new MaxLengthError('Decode error - repeated field "unsent" had too many elements')
              }

              obj.unsent.push(reader.bytes())
              break
            }
            case 9: {
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
          ops: 0,
          heldOps: 0,
          heldMessages: 0,
          early: 0,
          kept: 0,
          unsent: 0,
          receipts: 0
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
              yield {
                field: `${prefix}.keys`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.heldOps != null && obj.heldOps === opts.limits.heldOps) {
                throw new MaxLengthError('Streaming decode error - repeated field "heldOps" had too many elements')
              }

              yield {
                field: `${prefix}.heldOps[]`,
                index: obj.heldOps,
                value: reader.bytes()
              }

              obj.heldOps++

              break
            }
            case 5: {
              if (opts.limits?.heldMessages != null && obj.heldMessages === opts.limits.heldMessages) {
                throw new MaxLengthError('Streaming decode error - repeated field "heldMessages" had too many elements')
              }

              yield {
                field: `${prefix}.heldMessages[]`,
                index: obj.heldMessages,
                value: reader.bytes()
              }

              obj.heldMessages++

              break
            }
            case 6: {
              if (opts.limits?.early != null && obj.early === opts.limits.early) {
                throw new MaxLengthError('Streaming decode error - repeated field "early" had too many elements')
              }

              yield {
                field: `${prefix}.early[]`,
                index: obj.early,
                value: reader.string()
              }

              obj.early++

              break
            }
            case 7: {
              if (opts.limits?.kept != null && obj.kept === opts.limits.kept) {
                throw new MaxLengthError('Streaming decode error - repeated field "kept" had too many elements')
              }

              yield {
                field: `${prefix}.kept[]`,
                index: obj.kept,
                value: reader.bytes()
              }

              obj.kept++

              break
            }
            case 8: {
              if (opts.limits?.unsent != null && obj.unsent === opts.limits.unsent) {
                throw new MaxLengthError('Streaming decode error - repeated field "unsent" had too many elements')
              }

              yield {
                field: `${prefix}.unsent[]`,
                index: obj.unsent,
                value: reader.bytes()
              }

              obj.unsent++

              break
            }
            case 9: {
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

  export interface RoomSnapshotVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface RoomSnapshotOpsFieldEvent {
    field: '$.ops[]'
    index: number
    value: Uint8Array
  }

  export interface RoomSnapshotKeysFieldEvent {
    field: '$.keys'
    value: Uint8Array
  }

  export interface RoomSnapshotHeldOpsFieldEvent {
    field: '$.heldOps[]'
    index: number
    value: Uint8Array
  }

  export interface RoomSnapshotHeldMessagesFieldEvent {
    field: '$.heldMessages[]'
    index: number
    value: Uint8Array
  }

  export interface RoomSnapshotEarlyFieldEvent {
    field: '$.early[]'
    index: number
    value: string
  }

  export interface RoomSnapshotKeptFieldEvent {
    field: '$.kept[]'
    index: number
    value: Uint8Array
  }

  export interface RoomSnapshotUnsentFieldEvent {
    field: '$.unsent[]'
    index: number
    value: Uint8Array
  }

  export interface RoomSnapshotReceiptsFieldEvent {
    field: '$.receipts[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<RoomSnapshot>): Uint8Array {
    return encodeMessage(obj, RoomSnapshot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomSnapshot>): RoomSnapshot {
    return decodeMessage(buf, RoomSnapshot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomSnapshot>): Generator<RoomSnapshotVersionFieldEvent | RoomSnapshotOpsFieldEvent | RoomSnapshotKeysFieldEvent | RoomSnapshotHeldOpsFieldEvent | RoomSnapshotHeldMessagesFieldEvent | RoomSnapshotEarlyFieldEvent | RoomSnapshotKeptFieldEvent | RoomSnapshotUnsentFieldEvent | RoomSnapshotReceiptsFieldEvent> {
    return streamMessage(buf, RoomSnapshot.codec(), opts)
  }
}

export interface Summary {
  group: Uint8Array
  heads: Uint8Array[]
  chains: Chain[]
}

export namespace Summary {
  let _codec: Codec<Summary>

  export const codec = (): Codec<Summary> => {
    if (_codec == null) {
      _codec = message<Summary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if (obj.heads != null && obj.heads.length > 0) {
          for (const value of obj.heads) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.chains != null && obj.chains.length > 0) {
          for (const value of obj.chains) {
            w.uint32(26)
            Chain.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          heads: [],
          chains: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.heads != null && obj.heads.length === opts.limits.heads) {
                throw new MaxLengthError('Decode error - repeated field "heads" had too many elements')
              }

              obj.heads.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.chains != null && obj.chains.length === opts.limits.chains) {
                throw new MaxLengthError('Decode error - repeated field "chains" had too many elements')
              }

              obj.chains.push(Chain.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chains$
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
          heads: 0,
          chains: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.heads != null && obj.heads === opts.limits.heads) {
                throw new MaxLengthError('Streaming decode error - repeated field "heads" had too many elements')
              }

              yield {
                field: `${prefix}.heads[]`,
                index: obj.heads,
                value: reader.bytes()
              }

              obj.heads++

              break
            }
            case 3: {
              if (opts.limits?.chains != null && obj.chains === opts.limits.chains) {
                throw new MaxLengthError('Streaming decode error - repeated field "chains" had too many elements')
              }

              for (const evt of Chain.codec().stream(reader, reader.uint32(), `${prefix}.chains[]`, {
                limits: opts.limits?.chains$
              })) {
                yield {
                  ...evt,
                  index: obj.chains
                }
              }

              obj.chains++

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

  export interface SummaryGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface SummaryHeadsFieldEvent {
    field: '$.heads[]'
    index: number
    value: Uint8Array
  }

  export interface SummaryChainsSenderFieldEvent {
    field: '$.chains[].sender'
    value: Uint8Array
    index: number
  }

  export interface SummaryChainsEpochFieldEvent {
    field: '$.chains[].epoch'
    value: number
    index: number
  }

  export interface SummaryChainsRangesFieldEvent {
    field: '$.chains[].ranges[]'
    index: number
    value: number
  }

  export interface SummaryChainsDeviceFieldEvent {
    field: '$.chains[].device'
    value: Uint8Array
    index: number
  }

  export interface SummaryChainsGenerationFieldEvent {
    field: '$.chains[].generation'
    value: number
    index: number
  }

  export function encode (obj: Partial<Summary>): Uint8Array {
    return encodeMessage(obj, Summary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Summary>): Summary {
    return decodeMessage(buf, Summary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Summary>): Generator<SummaryGroupFieldEvent | SummaryHeadsFieldEvent | SummaryChainsSenderFieldEvent | SummaryChainsEpochFieldEvent | SummaryChainsRangesFieldEvent | SummaryChainsDeviceFieldEvent | SummaryChainsGenerationFieldEvent> {
    return streamMessage(buf, Summary.codec(), opts)
  }
}

export interface Chain {
  sender: Uint8Array
  epoch: number
  ranges: number[]
  device: Uint8Array
  generation: number
}

export namespace Chain {
  let _codec: Codec<Chain>

  export const codec = (): Codec<Chain> => {
    if (_codec == null) {
      _codec = message<Chain>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sender)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if (obj.ranges != null && obj.ranges.length > 0) {
          for (const value of obj.ranges) {
            w.uint32(24)
            w.uint32(value)
          }
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.device)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(40)
          w.uint32(obj.generation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: uint8ArrayAlloc(0),
          epoch: 0,
          ranges: [],
          device: uint8ArrayAlloc(0),
          generation: 0
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
              obj.epoch = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.ranges != null && obj.ranges.length === opts.limits.ranges) {
                throw new MaxLengthError('Decode error - repeated field "ranges" had too many elements')
              }

              obj.ranges.push(reader.uint32())
              break
            }
            case 4: {
              obj.device = reader.bytes()
              break
            }
            case 5: {
              obj.generation = reader.uint32()
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
          ranges: 0
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
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.ranges != null && obj.ranges === opts.limits.ranges) {
                throw new MaxLengthError('Streaming decode error - repeated field "ranges" had too many elements')
              }

              yield {
                field: `${prefix}.ranges[]`,
                index: obj.ranges,
                value: reader.uint32()
              }

              obj.ranges++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.generation`,
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

  export interface ChainSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface ChainEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface ChainRangesFieldEvent {
    field: '$.ranges[]'
    index: number
    value: number
  }

  export interface ChainDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface ChainGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export function encode (obj: Partial<Chain>): Uint8Array {
    return encodeMessage(obj, Chain.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chain>): Chain {
    return decodeMessage(buf, Chain.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chain>): Generator<ChainSenderFieldEvent | ChainEpochFieldEvent | ChainRangesFieldEvent | ChainDeviceFieldEvent | ChainGenerationFieldEvent> {
    return streamMessage(buf, Chain.codec(), opts)
  }
}

export interface HistoryRecord {
  sender: Uint8Array
  outgoing: boolean
  text: string
  sentAt: number
  receivedAt: number
  expiresAt: number
  read: boolean
  recipients: Recipient[]
  elsewhere: boolean
  file: Uint8Array
}

export namespace HistoryRecord {
  let _codec: Codec<HistoryRecord>

  export const codec = (): Codec<HistoryRecord> => {
    if (_codec == null) {
      _codec = message<HistoryRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sender)
        }

        if ((obj.outgoing != null && obj.outgoing !== false)) {
          w.uint32(16)
          w.bool(obj.outgoing)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(26)
          w.string(obj.text)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.receivedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.read != null && obj.read !== false)) {
          w.uint32(56)
          w.bool(obj.read)
        }

        if (obj.recipients != null && obj.recipients.length > 0) {
          for (const value of obj.recipients) {
            w.uint32(66)
            Recipient.codec().encode(value, w)
          }
        }

        if ((obj.elsewhere != null && obj.elsewhere !== false)) {
          w.uint32(72)
          w.bool(obj.elsewhere)
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.file)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: uint8ArrayAlloc(0),
          outgoing: false,
          text: '',
          sentAt: 0,
          receivedAt: 0,
          expiresAt: 0,
          read: false,
          recipients: [],
          elsewhere: false,
          file: uint8ArrayAlloc(0)
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
              obj.outgoing = reader.bool()
              break
            }
            case 3: {
              obj.text = reader.string()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 5: {
              obj.receivedAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.read = reader.bool()
              break
            }
            case 8: {
              if (opts.limits?.recipients != null && obj.recipients.length === opts.limits.recipients) {
                throw new MaxLengthError('Decode error - repeated field "recipients" had too many elements')
              }

              obj.recipients.push(Recipient.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.recipients$
              }))
              break
            }
            case 9: {
              obj.elsewhere = reader.bool()
              break
            }
            case 10: {
              obj.file = reader.bytes()
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
          recipients: 0
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
                field: `${prefix}.outgoing`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.receivedAt`,
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
                field: `${prefix}.read`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              if (opts.limits?.recipients != null && obj.recipients === opts.limits.recipients) {
                throw new MaxLengthError('Streaming decode error - repeated field "recipients" had too many elements')
              }

              for (const evt of Recipient.codec().stream(reader, reader.uint32(), `${prefix}.recipients[]`, {
                limits: opts.limits?.recipients$
              })) {
                yield {
                  ...evt,
                  index: obj.recipients
                }
              }

              obj.recipients++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.elsewhere`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.file`,
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

  export interface HistoryRecordSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array
  }

  export interface HistoryRecordOutgoingFieldEvent {
    field: '$.outgoing'
    value: boolean
  }

  export interface HistoryRecordTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface HistoryRecordSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface HistoryRecordReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: number
  }

  export interface HistoryRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface HistoryRecordReadFieldEvent {
    field: '$.read'
    value: boolean
  }

  export interface HistoryRecordRecipientsMemberFieldEvent {
    field: '$.recipients[].member'
    value: Uint8Array
    index: number
  }

  export interface HistoryRecordRecipientsStateFieldEvent {
    field: '$.recipients[].state'
    value: Recipient.State
    index: number
  }

  export interface HistoryRecordElsewhereFieldEvent {
    field: '$.elsewhere'
    value: boolean
  }

  export interface HistoryRecordFileFieldEvent {
    field: '$.file'
    value: Uint8Array
  }

  export function encode (obj: Partial<HistoryRecord>): Uint8Array {
    return encodeMessage(obj, HistoryRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryRecord>): HistoryRecord {
    return decodeMessage(buf, HistoryRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryRecord>): Generator<HistoryRecordSenderFieldEvent | HistoryRecordOutgoingFieldEvent | HistoryRecordTextFieldEvent | HistoryRecordSentAtFieldEvent | HistoryRecordReceivedAtFieldEvent | HistoryRecordExpiresAtFieldEvent | HistoryRecordReadFieldEvent | HistoryRecordRecipientsMemberFieldEvent | HistoryRecordRecipientsStateFieldEvent | HistoryRecordElsewhereFieldEvent | HistoryRecordFileFieldEvent> {
    return streamMessage(buf, HistoryRecord.codec(), opts)
  }
}

export interface RoomContent {
  text: string
  file: Uint8Array
}

export namespace RoomContent {
  let _codec: Codec<RoomContent>

  export const codec = (): Codec<RoomContent> => {
    if (_codec == null) {
      _codec = message<RoomContent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.file)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          file: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              obj.file = reader.bytes()
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
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.file`,
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

  export interface RoomContentTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface RoomContentFileFieldEvent {
    field: '$.file'
    value: Uint8Array
  }

  export function encode (obj: Partial<RoomContent>): Uint8Array {
    return encodeMessage(obj, RoomContent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomContent>): RoomContent {
    return decodeMessage(buf, RoomContent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomContent>): Generator<RoomContentTextFieldEvent | RoomContentFileFieldEvent> {
    return streamMessage(buf, RoomContent.codec(), opts)
  }
}

export interface Recipient {
  member: Uint8Array
  state: Recipient.State
}

export namespace Recipient {
  export enum State {
    QUEUED = 'QUEUED',
    STORED = 'STORED',
    DELIVERED = 'DELIVERED',
    READ = 'READ'
  }

  enum __StateValues {
    QUEUED = 0,
    STORED = 1,
    DELIVERED = 2,
    READ = 3
  }

  export namespace State {
    export const codec = (): Codec<State> => {
      return enumeration<State>(__StateValues)
    }
  }

  let _codec: Codec<Recipient>

  export const codec = (): Codec<Recipient> => {
    if (_codec == null) {
      _codec = message<Recipient>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.member != null && obj.member.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.member)
        }

        if (obj.state != null && __StateValues[obj.state] !== 0) {
          w.uint32(16)
          Recipient.State.codec().encode(obj.state, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          member: uint8ArrayAlloc(0),
          state: State.QUEUED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.member = reader.bytes()
              break
            }
            case 2: {
              obj.state = Recipient.State.codec().decode(reader)
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
                field: `${prefix}.member`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.state`,
                value: Recipient.State.codec().decode(reader)
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

  export interface RecipientMemberFieldEvent {
    field: '$.member'
    value: Uint8Array
  }

  export interface RecipientStateFieldEvent {
    field: '$.state'
    value: Recipient.State
  }

  export function encode (obj: Partial<Recipient>): Uint8Array {
    return encodeMessage(obj, Recipient.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Recipient>): Recipient {
    return decodeMessage(buf, Recipient.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Recipient>): Generator<RecipientMemberFieldEvent | RecipientStateFieldEvent> {
    return streamMessage(buf, Recipient.codec(), opts)
  }
}

export interface GroupReceipt {
  group: Uint8Array
  member: Uint8Array
  device: Uint8Array
  certificate: Uint8Array
  at: number
  held: Chain[]
  read: Chain[]
}

export namespace GroupReceipt {
  let _codec: Codec<GroupReceipt>

  export const codec = (): Codec<GroupReceipt> => {
    if (_codec == null) {
      _codec = message<GroupReceipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.member != null && obj.member.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.member)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.device)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.certificate)
        }

        if ((obj.at != null && obj.at !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.at)
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(50)
            Chain.codec().encode(value, w)
          }
        }

        if (obj.read != null && obj.read.length > 0) {
          for (const value of obj.read) {
            w.uint32(58)
            Chain.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          member: uint8ArrayAlloc(0),
          device: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0),
          at: 0,
          held: [],
          read: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.bytes()
              break
            }
            case 2: {
              obj.member = reader.bytes()
              break
            }
            case 3: {
              obj.device = reader.bytes()
              break
            }
            case 4: {
              obj.certificate = reader.bytes()
              break
            }
            case 5: {
              obj.at = reader.uint64Number()
              break
            }
            case 6: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(Chain.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.held$
              }))
              break
            }
            case 7: {
              if (opts.limits?.read != null && obj.read.length === opts.limits.read) {
                throw new MaxLengthError('Decode error - repeated field "read" had too many elements')
              }

              obj.read.push(Chain.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.read$
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
          held: 0,
          read: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.member`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.at`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              for (const evt of Chain.codec().stream(reader, reader.uint32(), `${prefix}.held[]`, {
                limits: opts.limits?.held$
              })) {
                yield {
                  ...evt,
                  index: obj.held
                }
              }

              obj.held++

              break
            }
            case 7: {
              if (opts.limits?.read != null && obj.read === opts.limits.read) {
                throw new MaxLengthError('Streaming decode error - repeated field "read" had too many elements')
              }

              for (const evt of Chain.codec().stream(reader, reader.uint32(), `${prefix}.read[]`, {
                limits: opts.limits?.read$
              })) {
                yield {
                  ...evt,
                  index: obj.read
                }
              }

              obj.read++

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

  export interface GroupReceiptGroupFieldEvent {
    field: '$.group'
    value: Uint8Array
  }

  export interface GroupReceiptMemberFieldEvent {
    field: '$.member'
    value: Uint8Array
  }

  export interface GroupReceiptDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array
  }

  export interface GroupReceiptCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface GroupReceiptAtFieldEvent {
    field: '$.at'
    value: number
  }

  export interface GroupReceiptHeldSenderFieldEvent {
    field: '$.held[].sender'
    value: Uint8Array
    index: number
  }

  export interface GroupReceiptHeldEpochFieldEvent {
    field: '$.held[].epoch'
    value: number
    index: number
  }

  export interface GroupReceiptHeldRangesFieldEvent {
    field: '$.held[].ranges[]'
    index: number
    value: number
  }

  export interface GroupReceiptHeldDeviceFieldEvent {
    field: '$.held[].device'
    value: Uint8Array
    index: number
  }

  export interface GroupReceiptHeldGenerationFieldEvent {
    field: '$.held[].generation'
    value: number
    index: number
  }

  export interface GroupReceiptReadSenderFieldEvent {
    field: '$.read[].sender'
    value: Uint8Array
    index: number
  }

  export interface GroupReceiptReadEpochFieldEvent {
    field: '$.read[].epoch'
    value: number
    index: number
  }

  export interface GroupReceiptReadRangesFieldEvent {
    field: '$.read[].ranges[]'
    index: number
    value: number
  }

  export interface GroupReceiptReadDeviceFieldEvent {
    field: '$.read[].device'
    value: Uint8Array
    index: number
  }

  export interface GroupReceiptReadGenerationFieldEvent {
    field: '$.read[].generation'
    value: number
    index: number
  }

  export function encode (obj: Partial<GroupReceipt>): Uint8Array {
    return encodeMessage(obj, GroupReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupReceipt>): GroupReceipt {
    return decodeMessage(buf, GroupReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupReceipt>): Generator<GroupReceiptGroupFieldEvent | GroupReceiptMemberFieldEvent | GroupReceiptDeviceFieldEvent | GroupReceiptCertificateFieldEvent | GroupReceiptAtFieldEvent | GroupReceiptHeldSenderFieldEvent | GroupReceiptHeldEpochFieldEvent | GroupReceiptHeldRangesFieldEvent | GroupReceiptHeldDeviceFieldEvent | GroupReceiptHeldGenerationFieldEvent | GroupReceiptReadSenderFieldEvent | GroupReceiptReadEpochFieldEvent | GroupReceiptReadRangesFieldEvent | GroupReceiptReadDeviceFieldEvent | GroupReceiptReadGenerationFieldEvent> {
    return streamMessage(buf, GroupReceipt.codec(), opts)
  }
}

export interface SignedReceipt {
  receipt: Uint8Array
  signature: Uint8Array
}

export namespace SignedReceipt {
  let _codec: Codec<SignedReceipt>

  export const codec = (): Codec<SignedReceipt> => {
    if (_codec == null) {
      _codec = message<SignedReceipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.receipt != null && obj.receipt.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.receipt)
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
          receipt: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.receipt = reader.bytes()
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
                field: `${prefix}.receipt`,
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

  export interface SignedReceiptReceiptFieldEvent {
    field: '$.receipt'
    value: Uint8Array
  }

  export interface SignedReceiptSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedReceipt>): Uint8Array {
    return encodeMessage(obj, SignedReceipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedReceipt>): SignedReceipt {
    return decodeMessage(buf, SignedReceipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedReceipt>): Generator<SignedReceiptReceiptFieldEvent | SignedReceiptSignatureFieldEvent> {
    return streamMessage(buf, SignedReceipt.codec(), opts)
  }
}
