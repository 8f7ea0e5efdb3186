/**
 * QR codes as SVG text. The encoder (about 8 KiB gzipped) loads the first time a code is drawn, so
 * the first screen does not carry it.
 */
import type { QRCodeSegment, QRCodeToStringOptions } from 'qrcode'

export async function qrSvg (data: string | QRCodeSegment[], options: QRCodeToStringOptions = {}): Promise<string> {
  const { default: QRCode } = await import('qrcode')
  return await QRCode.toString(data, { type: 'svg', margin: 2, ...options })
}
