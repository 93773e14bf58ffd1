import { renderSVG } from 'uqr'

/**
 * An otpauth:// URI as an inline SVG QR code, made on the server by a small
 * dependency-free library: the key never goes to a third-party image service.
 */
export function qrSvg(uri: string): string {
  return renderSVG(uri, { border: 2, ecc: 'M', pixelSize: 4, blackColor: '#000', whiteColor: '#fff' })
}
