/**
 * A person-readable device from a User-Agent string ("Chrome on macOS",
 * "Safari on iPhone", "curl"): a handful of patterns, in the order that
 * tells look-alikes apart (Edge and Opera say Chrome too, Chrome says Safari).
 */
export function describeDevice(userAgent: string | null): { browser: string | null; os: string | null; mobile: boolean; label: string } {
  const ua = userAgent ?? ''
  const browser =
    [
      [/Edg(e|A|iOS)?\//, 'Edge'],
      [/OPR\/|Opera/, 'Opera'],
      [/SamsungBrowser\//, 'Samsung Internet'],
      [/Firefox\/|FxiOS\//, 'Firefox'],
      [/Chrome\/|CriOS\/|Chromium\//, 'Chrome'],
      [/Safari\//, 'Safari'],
      [/^curl\//, 'curl'],
      [/HeadlessChrome/, 'Chrome'],
      [/node|undici/i, 'Node.js'],
      [/python-requests|Python/, 'Python'],
    ] as const
  const os = [
    [/iPhone/, 'iPhone'],
    [/iPad/, 'iPad'],
    [/Android/, 'Android'],
    [/CrOS/, 'ChromeOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Linux/, 'Linux'],
  ] as const
  const b = browser.find(([re]) => re.test(ua))?.[1] ?? null
  const o = os.find(([re]) => re.test(ua))?.[1] ?? null
  const label = b && o ? `${b} on ${o}` : (b ?? o ?? 'Unknown device')
  return { browser: b, os: o, mobile: /Mobi|iPhone|Android/.test(ua), label }
}
