import { Popover } from 'bits-ui'
import Content from './content.svelte'

/** A popover: bits-ui behaviour, Trellis styling. */
export const Root = Popover.Root
export const Trigger = Popover.Trigger
export { Content }
