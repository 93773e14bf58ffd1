/**
 * The shell's and the dashboard's lucide icons as components drawn from one SVG sprite (see
 * $lib/icon-names), used like lucide's own: `import { ArrowRight } from '$lib/icons'`,
 * `<ArrowRight class="size-4" aria-hidden="true" />`. Each is SpriteIcon with its name filled in.
 */
import type { Component } from 'svelte'
import type { SVGAttributes } from 'svelte/elements'
import type { IconName } from './icon-names'
import SpriteIcon from './components/sprite-icon.svelte'

type IconProps = SVGAttributes<SVGSVGElement>

/** A component (client and server alike call it with their target and the props) that adds `name` to the props it is given, keeping them live. */
function icon(name: IconName): Component<IconProps> {
  const named = (props: Record<PropertyKey, unknown>) =>
    new Proxy(props, {
      get: (target, key) => (key === 'name' ? name : Reflect.get(target, key)),
      has: (target, key) => key === 'name' || Reflect.has(target, key),
      ownKeys: (target) => [...Reflect.ownKeys(target).filter((k) => k !== 'name'), 'name'],
      getOwnPropertyDescriptor: (target, key) =>
        key === 'name' ? { value: name, enumerable: true, configurable: true, writable: false } : Reflect.getOwnPropertyDescriptor(target, key),
    })
  const render = SpriteIcon as unknown as (target: unknown, props: Record<PropertyKey, unknown>) => unknown
  return ((target: unknown, props: Record<PropertyKey, unknown>) => render(target, named(props))) as unknown as Component<IconProps>
}

export const ArrowLeft = icon('arrow-left')
export const ArrowRight = icon('arrow-right')
export const Bell = icon('bell')
export const Building2 = icon('building-2')
export const ChevronRight = icon('chevron-right')
export const ChevronsUpDown = icon('chevrons-up-down')
export const CircleAlert = icon('circle-alert')
export const CircleCheck = icon('circle-check')
export const History = icon('history')
export const LifeBuoy = icon('life-buoy')
export const LogOut = icon('log-out')
export const MailWarning = icon('mail-warning')
export const Menu = icon('menu')
export const RefreshCw = icon('refresh-cw')
export const Search = icon('search')
export const SearchX = icon('search-x')
export const ShoppingCart = icon('shopping-cart')
export const Users = icon('users')
export const VenetianMask = icon('venetian-mask')
export const X = icon('x')
