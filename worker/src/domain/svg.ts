/**
 * An allowlist check of an SVG logo: a drawing made only of elements and
 * attributes known to be inert (shapes, groups, gradients, clip paths, masks,
 * a few filters, text), where every reference points inside the document.
 *
 * It is a small strict XML reader, not a blocklist: anything it does not
 * recognise is refused — scripts, foreign objects, animation (which can
 * rewrite an href), external images, event handlers, DOCTYPE and entities,
 * processing instructions, CDATA, namespaces other than SVG and XLink, CSS
 * with at-rules, escapes or functions that fetch. Character references are
 * decoded before values are judged, so `&#106;avascript:` reads as what the
 * browser would see. Refusals name the element or attribute, so the person
 * can fix their file.
 */

const SVG_NS = 'http://www.w3.org/2000/svg'
const XLINK_NS = 'http://www.w3.org/1999/xlink'

const ELEMENTS = new Set([
  'svg', 'g', 'defs', 'symbol', 'use', 'title', 'desc', 'style',
  'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon',
  'text', 'tspan', 'textPath',
  'linearGradient', 'radialGradient', 'stop', 'pattern', 'clipPath', 'mask', 'marker',
  'filter', 'feBlend', 'feColorMatrix', 'feComponentTransfer', 'feComposite', 'feDropShadow', 'feFlood',
  'feFuncA', 'feFuncB', 'feFuncG', 'feFuncR', 'feGaussianBlur', 'feMerge', 'feMergeNode', 'feMorphology', 'feOffset',
])

/** Elements whose text is shown (or is CSS, for style); everywhere else only whitespace may appear between tags. */
const TEXT_ELEMENTS = new Set(['title', 'desc', 'text', 'tspan', 'textPath', 'style'])

/** Presentation properties: allowed as attributes and as CSS declarations. */
const PROPERTIES = [
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-linecap', 'stroke-linejoin', 'stroke-miterlimit',
  'stroke-dasharray', 'stroke-dashoffset', 'stroke-opacity', 'opacity', 'color', 'display', 'visibility', 'overflow',
  'clip-path', 'clip-rule', 'mask', 'filter', 'stop-color', 'stop-opacity', 'flood-color', 'flood-opacity', 'lighting-color',
  'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant', 'font-stretch', 'text-anchor', 'text-decoration',
  'dominant-baseline', 'alignment-baseline', 'baseline-shift', 'letter-spacing', 'word-spacing', 'writing-mode',
  'text-rendering', 'shape-rendering', 'image-rendering', 'color-interpolation', 'color-interpolation-filters',
  'mix-blend-mode', 'isolation', 'paint-order', 'vector-effect', 'marker-start', 'marker-mid', 'marker-end',
  'transform', 'transform-origin', 'enable-background',
]

const ATTRIBUTES = new Set([
  ...PROPERTIES,
  'id', 'class', 'style', 'lang', 'xml:lang', 'xml:space', 'role', 'aria-label', 'aria-hidden', 'focusable', 'data-name',
  'xmlns', 'xmlns:xlink', 'version', 'baseProfile', 'viewBox', 'preserveAspectRatio', 'width', 'height', 'x', 'y',
  'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'fx', 'fy', 'fr', 'd', 'points', 'pathLength',
  'dx', 'dy', 'rotate', 'textLength', 'lengthAdjust', 'startOffset', 'method', 'spacing', 'side',
  'href', 'xlink:href',
  'offset', 'gradientUnits', 'gradientTransform', 'spreadMethod',
  'patternUnits', 'patternContentUnits', 'patternTransform',
  'clipPathUnits', 'maskUnits', 'maskContentUnits',
  'markerWidth', 'markerHeight', 'markerUnits', 'refX', 'refY', 'orient',
  'filterUnits', 'primitiveUnits', 'in', 'in2', 'result', 'stdDeviation', 'mode', 'type', 'values', 'operator',
  'k1', 'k2', 'k3', 'k4', 'radius', 'tableValues', 'slope', 'intercept', 'amplitude', 'exponent', 'edgeMode',
  'media',
])

/** Fixed values: the namespaces, and what a style element may declare itself to be. */
const FIXED: Record<string, readonly string[]> = {
  xmlns: [SVG_NS],
  'xmlns:xlink': [XLINK_NS],
  media: ['all', 'screen'],
}

/** A reference to something in this document: `#id`. */
const FRAGMENT = /^#[A-Za-z_][\w.:-]*$/
/** CSS/attribute functions that reach nothing outside the drawing. */
const SAFE_FUNCTIONS = new Set(['rgb', 'rgba', 'hsl', 'hsla', 'matrix', 'translate', 'translatex', 'translatey', 'scale', 'scalex', 'scaley', 'rotate', 'skewx', 'skewy', 'url'])

export class SvgRefused extends Error {}

const refuse = (message: string): never => {
  throw new SvgRefused(message)
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Decode character references (the five XML entities and numeric ones); any other entity is refused. */
function decode(raw: string, where: string): string {
  return raw.replace(/&([^;\s&]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) return refuse(`A bare "&" in ${where} is not valid XML.`)
    if (name in PREDEFINED) return PREDEFINED[name]!
    const num = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name)
    if (!num) return refuse(`The entity &${name}; in ${where} is not allowed (only &amp; &lt; &gt; &quot; &apos; and character numbers).`)
    const code = num[1] ? parseInt(num[1], 16) : Number(num[2])
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
    if (!valid) return refuse(`The character reference &${name}; in ${where} is not a valid character.`)
    return String.fromCodePoint(code)
  })
}

/** Every function call in a value must be a safe one, and every url() a local #fragment. */
function checkFunctions(value: string, where: string) {
  const lower = value.toLowerCase()
  if (/(^|[^a-z])(javascript|vbscript|data):/.test(lower.replace(/\s+/g, ''))) refuse(`${where} contains a script or data URL.`)
  for (const m of lower.matchAll(/([a-z-]*)\s*\(/g)) {
    if (!SAFE_FUNCTIONS.has(m[1]!)) refuse(`${where} uses ${m[1] ? `${m[1]}()` : 'a parenthesis'}, which SVG logos may not.`)
  }
  for (const m of value.matchAll(/url\s*\(([^)]*)\)?/gi)) {
    const target = m[1]!.trim().replace(/^(['"])(.*)\1$/, '$2').trim()
    if (!m[0].endsWith(')') || !FRAGMENT.test(target)) refuse(`${where} refers to ${target || 'something'} outside the logo; only url(#id) is allowed.`)
  }
}

/** A CSS declaration list (a style attribute, or the inside of one rule). */
function checkDeclarations(css: string, where: string) {
  for (const declaration of css.split(';')) {
    if (!declaration.trim()) continue
    const colon = declaration.indexOf(':')
    if (colon < 0) refuse(`${where} has a CSS declaration without a value: "${declaration.trim().slice(0, 40)}".`)
    const property = declaration.slice(0, colon).trim().toLowerCase()
    if (!PROPERTIES.includes(property)) refuse(`${where} sets the CSS property "${property.slice(0, 40)}", which SVG logos may not.`)
    checkFunctions(declaration.slice(colon + 1), `${where} (${property})`)
  }
}

/** CSS text: no escapes, at-rules or comments hiding anything; only allowed properties and local references. */
function checkCss(css: string, where: string, block: boolean) {
  if (/[\\@<]/.test(css)) refuse(`${where} contains CSS escapes, at-rules (such as @import) or markup, which SVG logos may not.`)
  const text = css.replace(/\/\*[\s\S]*?\*\//g, ' ')
  if (text.includes('/*')) refuse(`${where} has an unterminated CSS comment.`)
  if (!block) return checkDeclarations(text, where)
  // Rules: selector { declarations } … — selectors are plain (types, classes, ids, combinators).
  let rest = text
  for (;;) {
    const open = rest.indexOf('{')
    if (open < 0) break
    const close = rest.indexOf('}', open)
    if (close < 0) refuse(`${where} has a CSS rule without its closing brace.`)
    const selector = rest.slice(0, open)
    if (!/^[\w\s.#,>+~*:[\]="'-]*$/.test(selector) || /[({]/.test(selector)) refuse(`${where} has a CSS selector SVG logos may not use: "${selector.trim().slice(0, 40)}".`)
    const body = rest.slice(open + 1, close)
    if (body.includes('{')) refuse(`${where} has nested CSS rules.`)
    checkDeclarations(body, where)
    rest = rest.slice(close + 1)
  }
  if (rest.trim()) refuse(`${where} has CSS outside a rule: "${rest.trim().slice(0, 40)}".`)
}

function checkAttribute(element: string, name: string, value: string) {
  const where = `The attribute ${name} of <${element}>`
  if (!ATTRIBUTES.has(name)) refuse(`<${element}> has the attribute ${name}, which SVG logos may not (only drawing attributes; no event handlers or foreign namespaces).`)
  const fixed = FIXED[name]
  if (fixed && !fixed.includes(value.trim())) refuse(`${where} may only be ${fixed.join(' or ')}.`)
  if (name === 'href' || name === 'xlink:href') {
    if (!FRAGMENT.test(value.trim())) refuse(`${where} points outside the logo; only links to #id inside it are allowed.`)
    return
  }
  if (name === 'style') return checkCss(value, where, false)
  if (name === 'type' && element === 'style' && value.trim() !== 'text/css') refuse(`${where} may only be text/css.`)
  checkFunctions(value, where)
}

/** Read `name="value"` pairs from the inside of a start tag. */
function readAttributes(element: string, source: string) {
  const seen = new Set<string>()
  const pattern = /\s+([^\s=/>"']+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y
  let at = 0
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break
    pattern.lastIndex = at
    const m = pattern.exec(source)
    if (!m) refuse(`<${element}> has an attribute that is not written name="value": "${source.slice(at).trim().slice(0, 40)}".`)
    const name = m![1]!
    if (seen.has(name)) refuse(`<${element}> has the attribute ${name} twice.`)
    seen.add(name)
    checkAttribute(element, name, decode(m![2] ?? m![3] ?? '', `the attribute ${name} of <${element}>`))
    at = pattern.lastIndex
  }
}

/**
 * Why an SVG logo is refused, or null when it is a plain drawing. `text` is
 * the whole file, already decoded as UTF-8.
 */
export function svgProblem(text: string): string | null {
  try {
    checkSvg(text)
    return null
  } catch (error) {
    if (error instanceof SvgRefused) return error.message
    throw error
  }
}

function checkSvg(input: string) {
  let s = input.replace(/^\uFEFF/, '')
  // The XML declaration, and nothing else of its kind.
  const declaration = /^<\?xml(\s+version\s*=\s*(["'])1\.[01]\2)(\s+encoding\s*=\s*(["'])utf-8\4)?(\s+standalone\s*=\s*(["'])(yes|no)\6)?\s*\?>/i.exec(s)
  if (declaration) s = s.slice(declaration[0].length)
  else if (s.startsWith('<?xml')) refuse('The XML declaration may only give version 1.0, UTF-8 and standalone.')

  const stack: string[] = []
  let rootSeen = false
  let i = 0
  while (i < s.length) {
    const lt = s.indexOf('<', i)
    const textEnd = lt < 0 ? s.length : lt
    const between = s.slice(i, textEnd)
    if (between) {
      const parent = stack.at(-1)
      if (between.includes(']]>')) refuse('The text "]]>" is not valid outside CDATA.')
      if (!parent) {
        if (between.trim()) refuse('Text outside the <svg> element is not allowed.')
      } else if (!TEXT_ELEMENTS.has(parent)) {
        if (between.trim()) refuse(`<${parent}> may not contain text.`)
      } else {
        const decoded = decode(between, `the text of <${parent}>`)
        if (parent === 'style') checkCss(decoded, 'The <style> element', true)
      }
    }
    if (lt < 0) break
    const rest = s.slice(lt, lt + 9)
    if (rest.startsWith('<!--')) {
      const end = s.indexOf('-->', lt + 4)
      if (end < 0) refuse('A comment is not closed.')
      if (s.slice(lt + 4, end).includes('--')) refuse('A comment contains "--", which is not valid XML.')
      i = end + 3
      continue
    }
    if (rest.startsWith('<![CDATA[')) refuse('CDATA sections are not allowed in SVG logos.')
    if (rest.startsWith('<!')) refuse('DOCTYPE and entity declarations are not allowed in SVG logos.')
    if (rest.startsWith('<?')) refuse('Processing instructions (such as xml-stylesheet) are not allowed in SVG logos.')
    // Attribute values may not contain "<" (XML), so the first ">" outside quotes ends the tag.
    let end = lt + 1
    let quote: string | null = null
    for (; end < s.length; end++) {
      const ch = s[end]!
      if (quote) {
        if (ch === quote) quote = null
      } else if (ch === '"' || ch === "'") quote = ch
      else if (ch === '>') break
      else if (ch === '<') refuse('A "<" appears inside a tag.')
    }
    if (end >= s.length) refuse('A tag is not closed.')
    const tag = s.slice(lt + 1, end)
    i = end + 1
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      const open = stack.pop()
      if (open !== name) refuse(open ? `</${name}> closes <${open}>.` : `</${name}> has no opening tag.`)
      continue
    }
    const selfClosing = tag.endsWith('/')
    const inner = selfClosing ? tag.slice(0, -1) : tag
    const name = /^[^\s/>]*/.exec(inner)![0]
    if (!name) refuse('A "<" that does not start a tag; write &lt; in text.')
    if (!rootSeen && name !== 'svg') refuse('Upload a PNG, JPEG, WebP or SVG image.')
    if (!ELEMENTS.has(name)) refuse(`<${name.slice(0, 40)}> is not allowed in SVG logos (only shapes, groups, gradients, clip paths, masks, simple filters and text).`)
    if (!stack.length) {
      if (rootSeen) refuse('An SVG logo has one root <svg> element.')
      rootSeen = true
      if (!/\sxmlns\s*=\s*["']http:\/\/www\.w3\.org\/2000\/svg["']/.test(inner)) refuse('The <svg> element must declare xmlns="http://www.w3.org/2000/svg".')
    }
    readAttributes(name, inner.slice(name.length))
    if (!selfClosing) stack.push(name)
  }
  if (!rootSeen) refuse('The file must contain an <svg> element.')
  if (stack.length) refuse(`<${stack.at(-1)}> is not closed.`)
}
