import { DropdownMenu } from 'bits-ui'
import Content from './content.svelte'
import Item from './item.svelte'
import Separator from './separator.svelte'

/** The dropdown menu: bits-ui behaviour, Trellis styling. */
export const Root = DropdownMenu.Root
export const Trigger = DropdownMenu.Trigger
export const Group = DropdownMenu.Group
export { Content, Item, Separator }
