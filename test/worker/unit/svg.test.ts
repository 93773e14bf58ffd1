import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sniffLogo } from '../../../worker/src/domain/logo.ts'
import { svgProblem } from '../../../worker/src/domain/svg.ts'

const bytes = (s: string) => new TextEncoder().encode(s)
const NS = 'xmlns="http://www.w3.org/2000/svg"'
const XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
const check = (svg: string) => sniffLogo(bytes(svg), 'image/svg+xml')

describe('SVG logos pass an allowlist', () => {
  // Protects against script or tracking riding in a logo served from a portal's origin or embedded in emails.
  it.each([
    ['a script element', `<svg ${NS}><script>alert(1)</script></svg>`],
    ['a script element in another case', `<svg ${NS}><SCRIPT>alert(1)</SCRIPT></svg>`],
    ['a foreignObject with HTML', `<svg ${NS}><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/></foreignObject></svg>`],
    ['an onload handler', `<svg ${NS} onload="alert(1)"></svg>`],
    ['an onload handler after a slash (no space)', `<svg ${NS}/onload="alert(1)"><rect/></svg>`],
    ['an onclick handler on a shape', `<svg ${NS}><rect width="1" height="1" onclick="alert(1)"/></svg>`],
    ['a javascript: href on a link', `<svg ${NS}><a href="javascript:alert(1)"><rect width="1" height="1"/></a></svg>`],
    ['a link, even to a fragment', `<svg ${NS}><a href="#x"><rect width="1" height="1"/></a></svg>`],
    ['xlink:href to http', `<svg ${NS} ${XLINK}><use xlink:href="https://evil.test/sprite.svg#logo"/></svg>`],
    ['an xlink href under another prefix', `<svg ${NS} xmlns:x="http://www.w3.org/1999/xlink"><use x:href="https://evil.test/sprite.svg#logo"/></svg>`],
    ['use with an external href', `<svg ${NS}><use href="https://evil.test/sprite.svg#logo"/></svg>`],
    ['use with a data: href', `<svg ${NS}><use href="data:image/svg+xml;base64,PHN2Zy8+#a"/></svg>`],
    ['an href that is an encoded javascript: URL', `<svg ${NS}><use href="&#106;avascript:alert(1)"/></svg>`],
    ['an external image', `<svg ${NS}><image href="https://evil.test/pixel.png" width="1" height="1"/></svg>`],
    ['feImage loading a URL', `<svg ${NS}><filter id="f"><feImage href="https://evil.test/x.png"/></filter></svg>`],
    ['style with @import', `<svg ${NS}><style>@import url(https://evil.test/x.css);</style><rect/></svg>`],
    ['style with @import of a string', `<svg ${NS}><style>@import "https://evil.test/x.css";</style><rect/></svg>`],
    ['a style attribute fetching a URL', `<svg ${NS}><rect width="1" height="1" style="fill: url(https://evil.test/track)"/></svg>`],
    ['a style rule fetching a URL', `<svg ${NS}><style>rect { fill: url("https://evil.test/track#a") }</style><rect/></svg>`],
    ['CSS expression()', `<svg ${NS}><rect style="width: expression(alert(1))"/></svg>`],
    ['CSS escapes hiding url(', `<svg ${NS}><rect style="fill: u\\72l(https://evil.test/t)"/></svg>`],
    ['image-set() fetching without url()', `<svg ${NS}><style>rect { fill: image-set("https://evil.test/t.png" 1x) }</style><rect/></svg>`],
    ['a fill pointing at an external paint server', `<svg ${NS}><rect fill="url(https://evil.test/p.svg#g)"/></svg>`],
    ['animate rewriting an href', `<svg ${NS}><a><animate attributeName="href" to="javascript:alert(1)"/><rect/></a></svg>`],
    ['set rewriting an href, encoded', `<svg ${NS}><use href="#a"><set attributeName="href" to="&#106;avascript:alert(1)"/></use></svg>`],
    ['animateTransform', `<svg ${NS}><rect><animateTransform attributeName="transform" type="rotate" from="0" to="360" dur="1s"/></rect></svg>`],
    ['a CDATA section hiding a script tag', `<svg ${NS}><style><![CDATA[</style><script>alert(1)</script>]]></style></svg>`],
    ['a CDATA section in a style element', `<svg ${NS}><style><![CDATA[ @import "https://evil.test/x.css"; ]]></style></svg>`],
    ['a DOCTYPE with an entity (billion laughs)', `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg ${NS}><text>&b;</text></svg>`],
    ['an external entity', `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg ${NS}><text>&x;</text></svg>`],
    ['an undeclared entity reference', `<svg ${NS}><text>&nbsp;</text></svg>`],
    ['an xml-stylesheet processing instruction', `<?xml-stylesheet type="text/css" href="https://evil.test/x.css"?><svg ${NS}><rect/></svg>`],
    ['a processing instruction inside', `<svg ${NS}><?php echo 1 ?><rect/></svg>`],
    ['an iframe', `<svg ${NS}><iframe src="https://evil.test"/></svg>`],
    ['a foreign namespace element', `<svg ${NS} xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>`],
    ['xml:base pointing elsewhere', `<svg ${NS} xml:base="https://evil.test/"><use href="#a"/></svg>`],
    ['a second xmlns pointing elsewhere', `<svg xmlns="http://www.w3.org/1999/xhtml"><rect/></svg>`],
    ['an unquoted attribute', `<svg ${NS}><rect width=1 onload=alert(1)/></svg>`],
    ['a duplicated attribute', `<svg ${NS}><rect fill="red" fill="blue"/></svg>`],
    ['an unclosed element', `<svg ${NS}><g><rect/></svg>`],
    ['HTML after the drawing', `<svg ${NS}><rect/></svg><script>alert(1)</script>`],
  ])('refuses %s, naming what is wrong', (_, svg) => {
    const result = check(svg)
    expect(result.ok, svg).toBe(false)
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10)
  })

  it('says which element or attribute is refused', () => {
    const element = check(`<svg ${NS}><foreignObject/></svg>`)
    expect(element.ok || element.message).toContain('<foreignObject>')
    const attribute = check(`<svg ${NS}><rect onmouseover="x()"/></svg>`)
    expect(attribute.ok || attribute.message).toContain('onmouseover')
  })

  it.each([
    ['the demo logo', `<svg ${NS} viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="14" fill="#c2410c"/><path d="M32 12 L52 50 H42 Z" fill="#fff"/><circle cx="48" cy="16" r="6" fill="#f59e0b"/></svg>`],
    [
      'an exported file with a declaration, comments, groups and a gradient',
      `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Generator: Adobe Illustrator 27.0.0, SVG Export Plug-In -->
<svg version="1.1" id="Layer_1" ${NS} ${XLINK} x="0px" y="0px" viewBox="0 0 200 60" xml:space="preserve">
  <defs>
    <linearGradient id="grad-1" x1="0" y1="0" x2="1" y2="1" gradientUnits="objectBoundingBox">
      <stop offset="0" stop-color="#2563eb"/>
      <stop offset="1" style="stop-color: rgb(14, 165, 233); stop-opacity: .8"/>
    </linearGradient>
    <radialGradient id="grad-2" xlink:href="#grad-1" cx=".5" cy=".5" r=".5"/>
    <clipPath id="clip"><rect width="200" height="60" rx="8"/></clipPath>
  </defs>
  <g clip-path="url(#clip)" transform="translate(2 2) rotate(5)" data-name="Mark">
    <path d="M0 0h60v60H0z" fill="url(#grad-1)"/>
    <circle cx="30" cy="30" r="12" fill="url('#grad-2')" stroke="#fff" stroke-width="2"/>
  </g>
</svg>`,
    ],
    [
      'a style sheet with classes, as Illustrator writes it',
      `<svg ${NS} viewBox="0 0 10 10"><defs><style>.cls-1{fill:#fff;}.cls-2{fill:none;stroke:#231f20;stroke-miterlimit:10;} #mark > path, g.cls-1 { opacity: 0.5 } /* done */</style></defs><g id="mark"><path class="cls-1" d="M0 0h10v10z"/><path class="cls-2" d="M0 0l10 10"/></g></svg>`,
    ],
    ['text with a font and escaped characters', `<svg ${NS} viewBox="0 0 100 20"><text x="0" y="15" font-family="'Helvetica Neue', Arial, sans-serif" font-weight="700" style="font-size: 14px; letter-spacing: .5px">Smith &amp; Sons &#8212; &lt;Hosting&gt;</text><title>Smith &amp; Sons</title></svg>`],
    ['a symbol reused with use', `<svg ${NS} ${XLINK} viewBox="0 0 20 10"><symbol id="dot" viewBox="0 0 2 2"><circle cx="1" cy="1" r="1"/></symbol><use xlink:href="#dot" width="10" height="10"/><use href="#dot" x="10" width="10" height="10"/></svg>`],
    ['a soft shadow filter and a mask', `<svg ${NS} viewBox="0 0 10 10"><filter id="s"><feGaussianBlur in="SourceAlpha" stdDeviation="1"/><feOffset dx="1" dy="1" result="o"/><feMerge><feMergeNode in="o"/><feMergeNode in="SourceGraphic"/></feMerge></filter><mask id="m"><rect width="10" height="10" fill="#fff"/></mask><rect width="8" height="8" filter="url(#s)" mask="url(#m)"/></svg>`],
  ])('accepts %s', (_, svg) => {
    expect(check(svg)).toEqual({ ok: true, type: 'image/svg+xml' })
  })
})

describe('svgProblem', () => {
  it('answers a reason or null for any input, never throws', () => {
    const token = fc.constantFrom('<svg xmlns="http://www.w3.org/2000/svg">', '</svg>', '<g>', '</g>', '<rect/>', '<style>', '</style>', '<text>', '</text>', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '&amp;', '&#x', '&#', ';', '"', "'", '=', ' href="#a"', ' style="fill:url(#a)"', 'url(', ')', '{', '}', '@', '\\', '<', '>', '/', 'a', ' ')
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(token, { maxLength: 40 }).map((t) => t.join(''))), (text) => {
        const result = svgProblem(text)
        expect(result === null || typeof result === 'string').toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
